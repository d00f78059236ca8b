from django.urls import path
from django.views.generic import RedirectView

app_name = "accounts"
urlpatterns = [
    # The tokens page moved into the settings area; old bookmarks land there.
    path(
        "tokens/",
        RedirectView.as_view(pattern_name="accounts_settings:tokens", query_string=True),
        name="tokens",
    ),
]
