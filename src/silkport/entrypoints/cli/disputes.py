"""``silkport worker reminders``: the legal desk's time-limit reminders on a schedule.

Each round calls the desk's own ``run_reminders`` as the system (an administrator of the desk), which sends a
reminder of a time limit once per due date: two workers, or a worker and a desk officer pressing "run", never
send one twice (on PostgreSQL the open cases are claimed FOR UPDATE SKIP LOCKED; SQLite has one writer).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast

from silkport.bootstrap import Platform
from silkport.disputes.services.handlers import run_reminders
from silkport.disputes.services.ports import DisputesUnitOfWork
from silkport.shared.actor import SYSTEM

log = logging.getLogger("silkport.disputes.reminders")


def remind_once(platform: Platform) -> list[dict[str, Any]]:
    """One round: every reminder due now, sent and recorded; what was sent is logged, one line each."""
    sent = run_reminders(cast(DisputesUnitOfWork, platform.disputes_uow()), SYSTEM)
    for s in sent:
        log.info("reminded %s %s: %s due %s (%s)", s["reference"], s["code"], s["label"], s["due"], s["state"])
    return sent


def remind_forever(
    platform: Platform, *, once: bool, interval: float, out: Callable[[str], object] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> None:  # fmt: skip
    """Round after round, ``interval`` seconds apart (``once``: a single round). A failed round is logged and
    the next one tries again: nothing was sent by it (each round is one transaction)."""
    while True:
        try:
            sent = remind_once(platform)
        except Exception:
            if once:
                raise
            log.exception("reminder round failed; trying again in %s s", interval)
        else:
            for s in sent:
                out(f"reminded {s['reference']} {s['code']} (due {s['due']}, {s['state']})")
            out(f"{len(sent)} reminders sent")
        if once:
            return
        sleep(interval)
