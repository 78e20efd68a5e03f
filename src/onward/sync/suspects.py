"""A message the server cannot send (a damaged file on its disk) drops the connection at every
FETCH that includes it; the folder state, which moves only after a batch, then never passes it.

So a batch whose FETCH dies leaves its UIDs suspect (in the store, as the connection and often the
run die with it), and suspects are fetched alone: the innocent ones are read and cleared, and the
guilty one dies alone. After `MAX_FETCH_DEATHS` such deaths it is written off: recorded as failed
at the step "fetch", once, like any message the fault boundary gives up on, and the folder moves
past it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from onward import logsafe
from onward.mailbox import SourceMessage
from onward.pipeline.run import Analysis, Failure
from onward.store import Store
from onward.store.suspects import Suspect

log = logging.getLogger(__name__)

# Deaths of a lone FETCH before its message is written off. Not 1 or 2: a flaky link can drop a
# connection in the middle of a large message twice in a row (the largest transfer is where a cut
# most likely lands), and a message written off is a rejection that may never be seen; a damaged
# file fails every time, so a third try costs only one more reconnect.
MAX_FETCH_DEATHS = 3


class FetchDied(OSError):
    """A FETCH ended the connection, and the store now remembers it (perhaps a message the server
    cannot send): reconnecting at once goes on past it."""


def written_off(suspect: Suspect | None) -> bool:
    return suspect is not None and suspect.deaths >= MAX_FETCH_DEATHS


def note_fetch_death(store: Store, account: str, folder: str, uidvalidity: int, uids: Sequence[int],
                     exc: BaseException) -> None:
    """The FETCH of `uids` ended the connection (or was refused): remember it for the next try."""
    error = logsafe.redact(str(exc)) or type(exc).__name__
    if len(uids) == 1:
        deaths = store.count_fetch_death(account, folder, uidvalidity, uids[0], type(exc).__name__, error)
        log.warning("account %s: fetching UID %d of %s alone failed (%s), %d of %d times; %s", account, uids[0],
                    folder, error, deaths, MAX_FETCH_DEATHS,
                    "it is written off at the next try" if deaths >= MAX_FETCH_DEATHS else "it is tried again")
        return
    store.suspect_fetch(account, folder, uidvalidity, uids)
    log.warning("account %s: fetching UIDs %d-%d of %s failed (%s); they are fetched one by one next time, "
                "to find a message the server cannot send", account, uids[0], uids[-1], folder, error)


def write_off(account: str, folder: str, uidvalidity: int, uid: int,
              suspect: Suspect) -> tuple[list[tuple[SourceMessage, int | None]], list[Analysis]]:
    """The batch of one that records a message as failed at "fetch", without fetching it."""
    error = (f"the server could not send this message: the connection failed each of the {suspect.deaths} times "
             f"it was fetched alone (last: {suspect.error or 'no error text'})")
    item = SourceMessage(key=unfetched_id(folder, uidvalidity, uid), raw=b"", location=f"{account}:{folder}/{uid}",
                         error=error)
    return [(item, uid)], [Analysis(None, failure=Failure("fetch", suspect.error_class or "FetchFailed", error))]


def unfetched_id(folder: str, uidvalidity: int, uid: int) -> str:
    """What stands for the Message-ID of a message never read: unique per account, as the
    history's key must be, and plainly not a real one."""
    return f"unfetched:{folder}:{uidvalidity}:{uid}"
