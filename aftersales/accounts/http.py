"""The request type of every page and endpoint that needs a signed-in user.

Django types ``request.user`` as ``User | AnonymousUser`` because middleware cannot know which
view it runs before. A view behind ``login_required`` (and every decorator in
``accounts.decorators``, which all include it) or behind the API's authentication only ever sees
a real user, so it annotates its request as :class:`AuthedRequest` and passes ``request.user``
on to services typed ``by: User`` without a cast. This is only a type: at run time the request
is Django's own ``HttpRequest`` (the pattern healthchecks calls ``AuthenticatedHttpRequest``).
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from aftersales.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
