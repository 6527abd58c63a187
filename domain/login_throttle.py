"""How fast a password may be guessed: failed logins counted per account and per client address
in fixed windows; a counter that reaches its limit blocks further attempts until its window
ends, and each block in a row without a success lasts twice the one before (decision 0032).

Pure: storage keeps the counters, the application layer decides with these functions.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

LOGIN_NAME_MAX = 100  # a login name as typed, kept in an audit entry's subject
ADDRESS_MAX = 64  # an IPv6 address with a zone fits
KEY_MAX = 200  # a counter's key as the database holds it
NO_ADDRESS = "unknown"


@dataclass(frozen=True)
class ThrottleRule:
    name: str  # the rule a refusal names
    field: str  # the request's part it counts by
    limit: int  # failures allowed within one window; the next attempt is refused
    window: timedelta
    longest_block: timedelta  # blocks in a row double up to this
    forget_after: timedelta  # quiet this long, a counter starts over as if new


# An account is guessed at by one attacker: five tries a minute covers a user who mistypes.
ACCOUNT = ThrottleRule(
    name="failed_logins_per_account",
    field="username",
    limit=5,
    window=timedelta(minutes=1),
    longest_block=timedelta(minutes=15),
    forget_after=timedelta(hours=1),
)
# A provincial office's staff sign in from behind one address: the limit is higher, so that a
# few colleagues mistyping at once are not blocked, while one address trying many accounts is.
ADDRESS = ThrottleRule(
    name="failed_logins_per_address",
    field="client_address",
    limit=20,
    window=timedelta(minutes=1),
    longest_block=timedelta(minutes=15),
    forget_after=timedelta(hours=1),
)


@dataclass(frozen=True)
class Counter:
    """One account's or one address's failures: in the current window, and blocks in a row."""

    window_start: datetime
    failures: int = 0
    blocks: int = 0  # blocks begun since the last success or quiet spell
    blocked_until: datetime | None = None


def account_key(login_name: str) -> str:
    """The counter a login name counts against: case and Unicode forms of one name are one."""
    return ("account:" + login_name_as_typed(login_name).casefold())[:KEY_MAX]


def address_key(address: str | None) -> str:
    return "address:" + client_address(address)


def login_name_as_typed(login_name: str) -> str:
    """The name as typed, NFC and bounded: an audit subject even when no such user exists."""
    return unicodedata.normalize("NFC", login_name).strip()[:LOGIN_NAME_MAX]


def client_address(address: str | None) -> str:
    return (address or NO_ADDRESS)[:ADDRESS_MAX]


def describe(rule: ThrottleRule) -> str:
    seconds = int(rule.window.total_seconds())
    return f"at most {rule.limit} failed logins per {rule.field} in {seconds} seconds"


def retry_after(counter: Counter | None, now: datetime) -> int | None:
    """Whole seconds until this counter lets an attempt through, or None when it does now."""
    if counter is None or counter.blocked_until is None or counter.blocked_until <= now:
        return None
    return max(1, math.ceil((counter.blocked_until - now).total_seconds()))


def after_failure(counter: Counter | None, rule: ThrottleRule, now: datetime) -> Counter:
    """The counter once this failed login is counted; reaching the limit begins a block."""
    current = _current(counter, rule, now)
    failures = current.failures + 1
    if failures < rule.limit:
        return Counter(current.window_start, failures, current.blocks, current.blocked_until)
    block = min(rule.window * (2**current.blocks), rule.longest_block)
    # The first block ends with the window that counted the failures; later ones run from now.
    until = current.window_start + block if current.blocks == 0 else now + block
    until = max(until, now + timedelta(seconds=1))
    # Counting starts over when the block ends: attempts refused meanwhile are not counted.
    return Counter(window_start=until, failures=0, blocks=current.blocks + 1, blocked_until=until)


def _current(counter: Counter | None, rule: ThrottleRule, now: datetime) -> Counter:
    if counter is None or now - _last_seen(counter) >= rule.forget_after:
        return Counter(window_start=now)
    if now - counter.window_start >= rule.window:
        return Counter(window_start=now, blocks=counter.blocks)
    return counter


def _last_seen(counter: Counter) -> datetime:
    return max(counter.window_start, counter.blocked_until or counter.window_start)
