"""Failed-authentication budgets: what keeps a bad-key flood from eating the CPU.

Checking a key costs one scrypt (tens of milliseconds of one core, by design), so about
28 wrong keys a second used to saturate two cores and make even ``/api/health`` slow.
A key that was verified once is cached (no scrypt again), so only *unknown* credentials
cost work; this module budgets that work with token buckets:

* per client (its address): a burst of ``per_client`` failures, then one more every
  ``60 / per_minute`` seconds;
* for everyone together: ``global_per_second`` scrypt checks that may fail, so a flood
  spread over many addresses still cannot take more than a sliver of one core.

A check *reserves* a token before it runs scrypt and gives it back when the key turns
out valid, so concurrent requests cannot overdraw a bucket. When a bucket is empty the
request is refused (429, ``Retry-After``) without running scrypt at all.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from mercwatch.errors import MercwatchError

MAX_CLIENTS = 10_000


class TooManyAttempts(MercwatchError):
    """Too many failed authentications: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed authentications; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class _TokenBucket:
    """One budget: ``capacity`` tokens, refilled at ``rate`` per second."""

    def __init__(self, capacity: float, rate: float) -> None:
        self.capacity = capacity
        self.rate = rate

    def take(self, bucket: _Bucket, now: float) -> float:
        """Take one token; returns 0 when taken, else the seconds until one is there."""
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def give_back(self, bucket: _Bucket) -> None:
        bucket.tokens = min(self.capacity, bucket.tokens + 1)


class FailureLimiter:
    """Per-client and global budgets of authentication checks that may fail.

    Args:
        per_client: failures one client may make in a burst.
        per_minute: failures one client may make per minute after the burst.
        global_per_second: failing checks per second across all clients (burst: 5 s' worth).
        clock: seconds (``time.monotonic``; tests pass their own).
    """

    def __init__(
        self,
        per_client: int = 10,
        per_minute: float = 10.0,
        global_per_second: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_rule = _TokenBucket(per_client, per_minute / 60.0)
        self._global_rule = _TokenBucket(max(1.0, global_per_second * 5), global_per_second)
        self._clock = clock
        self._clients: OrderedDict[str, _Bucket] = OrderedDict()
        self._global = _Bucket(self._global_rule.capacity, clock())
        self._lock = threading.Lock()

    def reserve(self, client: str) -> None:
        """Reserve the right to one check that may fail, before paying for it.

        Raises:
            TooManyAttempts: the client's or everyone's budget is spent.
        """
        with self._lock:
            now = self._clock()
            bucket = self._client(client, now)
            wait = self._client_rule.take(bucket, now)
            if wait:
                raise TooManyAttempts(math.ceil(wait))
            wait = self._global_rule.take(self._global, now)
            if wait:
                self._client_rule.give_back(bucket)
                raise TooManyAttempts(math.ceil(wait))

    def succeeded(self, client: str) -> None:
        """The reserved check found a valid key: it was not a failure, refund it."""
        with self._lock:
            bucket = self._clients.get(client)
            if bucket is not None:
                self._client_rule.give_back(bucket)
            self._global_rule.give_back(self._global)

    def _client(self, client: str, now: float) -> _Bucket:
        bucket = self._clients.get(client)
        if bucket is None:
            bucket = _Bucket(self._client_rule.capacity, now)
            self._clients[client] = bucket
            # Forget the least recently seen clients, so spoofed addresses cannot grow
            # memory; a forgotten client starts again with a full (small) burst.
            while len(self._clients) > MAX_CLIENTS:
                self._clients.popitem(last=False)
        else:
            self._clients.move_to_end(client)
        return bucket
