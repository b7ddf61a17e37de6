"""A deliverer process that SIGKILLs itself at one chosen step (fault injection).

    python _crashing_deliverer.py STATE_URL CHANNEL TARGET STEP N

CHANNEL is ``smtp`` (TARGET = port) or ``webhook`` (TARGET = URL, secret from
``MERCWATCH_WEBHOOK_SECRET``). STEP is where the process dies, the N-th time it gets
there (counted over the whole run, so N beyond the first batch dies mid-way through a
later one):

- ``claim``:  a batch was claimed (committed), nothing begun;
- ``begin``:  a message was marked as about to be sent (committed), not yet sent;
- ``accept``: the channel accepted the message (SMTP 250 / HTTP 2xx), not yet recorded;
- ``record``: the outcome was recorded (committed);
- ``none``:   never; deliver everything and exit 0.

The production code has no hook for this: the script wraps the outbox's and adapters'
methods in this process only, and dies by SIGKILL, so no ``finally`` and no atexit run.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from mercwatch.notify import Outbox, RetryPolicy, SmtpAdapter, WebhookAdapter
from mercwatch.store.state import StateStore

BATCH_SIZE = 4


def _die_on(count: int, inner: Callable[..., Any]) -> Callable[..., Any]:
    seen = 0

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nonlocal seen
        result = inner(*args, **kwargs)
        seen += 1
        if seen == count:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    return wrapped


def main(url: str, channel: str, target: str, step: str, count: int) -> None:
    store = StateStore.open(url)
    outbox = Outbox(store, retry=RetryPolicy())
    adapter: SmtpAdapter | WebhookAdapter
    if channel == "smtp":
        adapter = SmtpAdapter(
            "127.0.0.1",
            int(target),
            sender="security@platform.example",
            recipient_template="{account_id}@users.platform.example",
            timeout=5,
        )
    else:
        adapter = WebhookAdapter(target, os.environ["MERCWATCH_WEBHOOK_SECRET"].encode(), timeout=5)
    if step == "claim":
        outbox._claim = _die_on(count, outbox._claim)  # type: ignore[method-assign]
    elif step == "begin":
        outbox._begin = _die_on(count, outbox._begin)  # type: ignore[method-assign]
    elif step == "record":
        outbox._record = _die_on(count, outbox._record)  # type: ignore[method-assign]
    elif step == "accept" and isinstance(adapter, SmtpAdapter):
        adapter._send_one = _die_on(count, adapter._send_one)  # type: ignore[method-assign]
    elif step == "accept":
        adapter._post = _die_on(count, adapter._post)  # type: ignore[method-assign]
    report = outbox.deliver(adapter, batch_size=BATCH_SIZE)
    print(f"sent {report.sent}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
