"""The failed-login rule (domain.login_throttle): limits, windows, doubling blocks, forgetting."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

from domain.login_throttle import (
    ACCOUNT,
    ADDRESS,
    LOGIN_NAME_MAX,
    Counter,
    account_key,
    address_key,
    after_failure,
    client_address,
    login_name_as_typed,
    retry_after,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def failures(count: int, start: datetime, counter: Counter | None = None) -> Counter | None:
    for n in range(count):
        counter = after_failure(counter, ACCOUNT, start + timedelta(seconds=n))
    return counter


def test_five_failures_within_a_minute_block_until_the_window_ends() -> None:
    four = failures(4, T0)
    assert retry_after(four, T0 + timedelta(seconds=4)) is None
    five = failures(5, T0)
    assert five is not None and five.blocks == 1
    # The sixth attempt, ten seconds after the first: blocked until the first failure's minute ends.
    assert retry_after(five, T0 + timedelta(seconds=10)) == 50
    assert retry_after(five, T0 + timedelta(seconds=59, microseconds=500_000)) == 1
    assert retry_after(five, T0 + timedelta(seconds=60)) is None


def test_failures_spread_over_more_than_a_window_never_block() -> None:
    counter = None
    for n in range(12):
        at = T0 + timedelta(seconds=15 * n)  # four a minute, for three minutes
        assert retry_after(counter, at) is None
        counter = after_failure(counter, ACCOUNT, at)
    assert counter is not None and counter.blocks == 0


def test_blocks_in_a_row_double_up_to_the_longest_then_a_quiet_hour_forgets_them() -> None:
    counter = failures(5, T0)
    waits = []
    at = T0 + timedelta(seconds=60)
    for _ in range(6):
        counter = failures(5, at, counter)
        assert counter is not None and counter.blocked_until is not None
        last = at + timedelta(seconds=4)
        waits.append(retry_after(counter, last))
        at = counter.blocked_until
    assert waits == [120, 240, 480, 900, 900, 900]
    # An hour after the last block ended, five more failures block for one window again.
    quiet = at + ACCOUNT.forget_after
    counter = failures(5, quiet, counter)
    assert counter is not None and counter.blocks == 1
    assert retry_after(counter, quiet + timedelta(seconds=4)) == 56


def test_an_address_may_fail_more_often_than_an_account() -> None:
    counter = None
    for n in range(ADDRESS.limit - 1):
        counter = after_failure(counter, ADDRESS, T0 + timedelta(seconds=n))
    assert retry_after(counter, T0 + timedelta(seconds=30)) is None
    counter = after_failure(counter, ADDRESS, T0 + timedelta(seconds=30))
    assert retry_after(counter, T0 + timedelta(seconds=31)) == 29
    assert ADDRESS.limit > ACCOUNT.limit


def test_names_and_addresses_are_bounded_and_one_name_is_one_counter() -> None:
    decomposed = unicodedata.normalize("NFD", "สมชาย.ใจดี")
    assert login_name_as_typed(decomposed) == unicodedata.normalize("NFC", "สมชาย.ใจดี")
    assert len(login_name_as_typed("ก" * 1000)) == LOGIN_NAME_MAX
    assert account_key("CMI.Staff") == account_key(" cmi.staff ") == "account:cmi.staff"
    assert len(account_key("ß" * 1000)) <= 200
    assert client_address(None) == "unknown" and address_key(None) == "address:unknown"
    assert len(client_address("f" * 500)) == 64
