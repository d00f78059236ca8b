"""The unit of work held in context: what the domain functions add is written when it ends."""

from __future__ import annotations

import threading

import pytest

from aftersales.core.fastpath.unit import current_unit, unit_of_work
from aftersales.notifications import outbox
from aftersales.notifications.models import OutboxMessage


def _email(org, key: str) -> OutboxMessage:
    message = outbox.email_message(organization=org, key=key, to="carol@example.com", subject="s", body="b")
    assert message is not None
    return message


class _Stop(Exception):
    pass


@pytest.mark.django_db
def test_the_unit_is_current_only_inside_its_block() -> None:
    assert current_unit() is None
    with unit_of_work() as rows:
        assert current_unit() is rows
    assert current_unit() is None
    with pytest.raises(_Stop), unit_of_work() as rows:
        assert current_unit() is rows
        raise _Stop
    assert current_unit() is None


@pytest.mark.django_db
def test_rows_added_in_the_unit_are_written_when_it_ends(org_a) -> None:
    # given / when: the outbox queues inside a unit
    with unit_of_work() as rows:
        outbox.put_all([_email(org_a, "a"), None, _email(org_a, "b")])
        # then: not yet written, pending in the unit
        assert len(rows) == 2
        assert not OutboxMessage.objects.exists()
    assert sorted(OutboxMessage.objects.values_list("dedupe_key", flat=True)) == ["email:a", "email:b"]


@pytest.mark.django_db
def test_outside_a_unit_the_outbox_writes_at_once(org_a) -> None:
    outbox.put_all([_email(org_a, "a")])
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_an_error_in_the_unit_writes_nothing(org_a) -> None:
    with pytest.raises(ValueError), unit_of_work():
        outbox.put_all([_email(org_a, "a")])
        raise ValueError
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_another_thread_does_not_see_this_threads_unit() -> None:
    seen: list[object] = []
    with unit_of_work():
        thread = threading.Thread(target=lambda: seen.append(current_unit()))
        thread.start()
        thread.join()
    assert seen == [None]
