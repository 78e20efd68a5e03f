"""The pipeline shared by `scan`, `watch` and the demo: source -> parse -> classify -> record -> act.

`Processor` runs each batch along it: `analyse` (run.py), then `Recorder` (record.py), then
`Actor` (act.py); `scan_local` takes a local mailbox through it.

A message is acted on only after it is recorded, and the folder state advances only after a
batch is acted on, so a crash repeats work instead of losing it; every action checks whether
it was already done, so repeating it changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from onward.classifier.predictor import RejectionModel
from onward.config import Config
from onward.drafts.compose import Template, load_templates
from onward.mailbox import SourceMessage
from onward.mailbox.actions import Actions, DryRunActions, LocalActions
from onward.pipeline.act import Actor, ActSettings
from onward.pipeline.record import Failures, Recorder
from onward.pipeline.run import Analysis, Outcome, Summary, analyse, open_store
from onward.store import Store

BATCH_SIZE = 64
# a batch also ends at this many bytes (of what is read of each message): memory follows the
# batch, and 64 messages with attachments would not fit
BATCH_BYTES = 8 * 1024 * 1024
LOCAL_ACCOUNT = "local"


class Processor:
    """One batch at a time along the path: read, record, act."""

    def __init__(
        self,
        store: Store,
        model: RejectionModel,
        account: str,
        actions: Actions,
        settings: ActSettings,
        from_address: str,
        my_name: str = "",
        templates: dict[str, Template] | None = None,
        keep_excerpt: bool = False,
        max_text_bytes: int = 2 * 1024 * 1024,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.store = store
        self.model = model
        self.account = account
        self.max_text_bytes = max_text_bytes
        self.on_outcome = on_outcome
        failures = Failures(store, account)
        self.recorder = Recorder(store, model, account, failures, keep_excerpt)
        self.actor = Actor(store, account, actions, settings, failures, from_address, my_name,
                           templates if templates is not None else load_templates(), max_text_bytes)

    # -- one batch -------------------------------------------------------------------------------
    def process(self, folder: str, items: Sequence[tuple[SourceMessage, int | None]],
                analyses: Sequence[Analysis] | None = None) -> list[Outcome]:
        """Record the whole batch in one transaction, then act on what was recorded. `analyses`,
        when given, were made elsewhere (a worker process) from the same items."""
        if analyses is None:
            analyses = analyse(self.model, [item for item, _ in items], self.max_text_bytes,
                               lambda ids: self.store.message_rows(self.account, ids))
        self.actor.new_batch()
        records = self.recorder.record(folder, items, analyses)
        # only now, with every message saved, do we touch the mailbox
        self.actor.tag(folder, records)
        self.actor.draft(folder, records)
        outcomes = []
        for record in records:
            self.actor.act(folder, record)
            outcomes.append(record.outcome)
            if self.on_outcome:
                self.on_outcome(record.outcome)
        return outcomes

    def run(self, folder: str, items: Iterable[tuple[SourceMessage, int | None]]) -> Summary:
        summary = Summary(account=self.account)
        batch: list[tuple[SourceMessage, int | None]] = []
        weight = 0

        def flush() -> None:
            nonlocal weight
            for outcome in self.process(folder, batch):
                summary.add(outcome)
            batch.clear()
            weight = 0

        for entry in items:
            batch.append(entry)
            weight += len(entry[0].raw)
            if len(batch) >= BATCH_SIZE or weight >= BATCH_BYTES:
                flush()
        if batch:
            flush()
        return summary


def scan_local(
    config: Config,
    model: RejectionModel,
    sources: Iterable[SourceMessage],
    label: str,
    dry_run: bool = False,
    drafts_dir: Path | None = None,
    from_address: str = "me@localhost",
    my_name: str | None = None,
    drafts: bool = True,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Summary:
    """A local mailbox (files, mbox, Maildir) through the same pipeline; drafts become .eml files."""
    templates = load_templates(config.templates_dir)
    actions: Actions = (DryRunActions(can_tag=False) if dry_run
                        else LocalActions(drafts_dir or config.effective_drafts_dir))
    with open_store(config, dry_run) as store:
        settings = ActSettings(tag=False, drafts=drafts, draft_max_age_days=config.draft_age_limit)
        processor = Processor(store, model, LOCAL_ACCOUNT, actions, settings, from_address=from_address,
                              my_name=config.name if my_name is None else my_name, templates=templates,
                              keep_excerpt=config.keep_excerpt, max_text_bytes=config.max_text_bytes,
                              on_outcome=on_outcome)
        return processor.run(label, ((item, None) for item in sources))
