"""Measure how often a draft finds the person to write to, on job-hunt threads we wrote. Prints figures only.

    python scripts/measure_history_search.py [training_data/threads] [--only en_01 ...] [--show]

Each thread folder (training_data/threads/<lang>_<nn>/) holds the mail of one application in time
order, ending in a rejection; threads.jsonl says which file is the rejection and whom a draft should
go to (`expect_recipient`, null where no one should be proposed) and whether that address can only
come from earlier mail (`from_history`). Each thread is scanned the real way: `onward scan <folder>`
with a fresh config and database, drafts of any age, then the draft written for the rejection is
read back and its To compared.

- found_right: the draft goes to the expected person
- found_wrong: the draft goes to someone else, or to anyone where no one was expected (must be 0)
- missed: a person was expected and the draft has no recipient
- none_right: no one was expected and the draft has no recipient
- not_drafted: the rejection got no draft (listed: the classifier did not call it a rejection, or
  the draft failed); a finding about the classifier, not hidden by editing the mail
- extra_drafts: drafts written for other mail of a thread (an interview called a rejection)
- other_mail_called_rejection: the acknowledgements, invitations and follow-ups of a thread that the
  classifier files under rejection (as unsure they are recorded but not drafted)
`--show` prints each thread's outcome with the addresses, for reading on this machine.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from onward.cli import cli
from onward.drafts.compose import LANGUAGE_TEXT

ROOT = Path(__file__).resolve().parent.parent
# the opening of the note a draft carries when its To was found in earlier mail, in each language
HISTORY_NOTES = tuple(text["found"].split("{name}")[0] for text in LANGUAGE_TEXT.values())


def scan_thread(folder: Path, work: Path) -> tuple[dict[str, dict[str, Any]], list[email.message.EmailMessage]]:
    """Scan one thread in a fresh config; the outcome of each file (by name) and the drafts written."""
    config = work / "config.toml"
    config.write_text(f'database = "{work / "db.sqlite"}"\ndrafts_dir = "{work / "drafts"}"\n'
                      'name = "Sam Rivera"\ndraft_max_age_days = 0\n', encoding="utf-8")
    # ONWARD_* variables of the caller's shell must not reach the scan
    result = CliRunner(env={"ONWARD_CONFIG": None}).invoke(
        cli, ["--config", str(config), "scan", "--format", "jsonl", str(folder)])
    if result.exit_code != 0:
        raise RuntimeError(f"{folder.name}: scan failed: {result.output[-500:]}")
    outcomes = {}
    for line in result.output.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            outcomes[Path(row["location"]).name] = row
    drafts = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
              for p in sorted((work / "drafts").glob("*.eml"))]
    return outcomes, drafts  # type: ignore[return-value]


def judge(spec: dict[str, Any], folder: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="onward-threads-") as tmp:
        outcomes, drafts = scan_thread(folder, Path(tmp))
    rejection_file = folder / spec["rejection"]
    rejection_id = email.message_from_bytes(rejection_file.read_bytes(), policy=email.policy.default)["Message-ID"]
    mine = [d for d in drafts if (d["In-Reply-To"] or "").strip() == (rejection_id or "").strip()]
    outcome = outcomes.get(spec["rejection"], {})
    verdicts = {name: f"{row.get('category')}/{row.get('verdict')}" for name, row in sorted(outcomes.items())}
    # every other mail of a thread is an acknowledgement, an invitation or a follow-up, never a rejection
    others = {name: v for name, v in verdicts.items() if name != spec["rejection"] and v.startswith("rejection/")}
    result: dict[str, Any] = {"thread": spec["thread"], "case": spec["case"], "verdict": outcome.get("verdict"),
                              "verdicts": verdicts, "extra_drafts": len(drafts) - len(mine),
                              "others_called_rejection": others}
    expected = (spec["expect_recipient"] or "").lower() or None
    if not mine:
        result["result"], result["to"] = "not_drafted", None
        return result
    draft = mine[0]
    to = email.utils.parseaddr(str(draft["To"] or ""))[1].lower() or None
    result["to"] = to
    body = draft.get_body(("plain",))
    noted = (body.get_content() if body else "").lstrip().startswith(HISTORY_NOTES)
    if to is None:
        result["result"] = "missed" if expected else "none_right"
    elif to == expected:
        result["result"] = "found_right"
        result["note_right"] = noted == bool(spec["from_history"])
    else:
        result["result"] = "found_wrong"
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "training_data" / "threads")
    parser.add_argument("--only", nargs="*", default=None, help="these threads only (en_01 ...)")
    parser.add_argument("--show", action="store_true", help="print each thread's outcome")
    args = parser.parse_args()
    specs = [json.loads(line) for line in (args.folder / "threads.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    if args.only:
        specs = [s for s in specs if s["thread"] in set(args.only)]
    results = [judge(spec, args.folder / spec["thread"]) for spec in specs]
    figures = measure(results)
    if args.show:
        for r in results:
            print(json.dumps(r, ensure_ascii=False), file=sys.stderr)
    print(json.dumps(figures, indent=2))
    return 0


def measure(results: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(r["result"] for r in results)
    by_case: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        by_case[r["case"].split(":")[0]][r["result"]] += 1
    return {
        "threads": len(results),
        **{key: counts.get(key, 0) for key in ("found_right", "found_wrong", "missed", "none_right", "not_drafted")},
        "history_note_wrong": sum(1 for r in results if r.get("note_right") is False),
        "by_case": {case: dict(sorted(c.items())) for case, c in sorted(by_case.items())},
        "found_wrong_threads": [r["thread"] for r in results if r["result"] == "found_wrong"],
        "missed_threads": [r["thread"] for r in results if r["result"] == "missed"],
        "not_drafted_threads": {r["thread"]: r["verdict"] for r in results if r["result"] == "not_drafted"},
        "extra_drafts_threads": [r["thread"] for r in results if r["extra_drafts"]],
        # earlier mail the classifier files under rejection (unsure: recorded, not drafted): a classifier finding
        "other_mail_called_rejection": {f"{r['thread']}/{name}": v for r in results
                                        for name, v in r["others_called_rejection"].items()},
    }


if __name__ == "__main__":
    sys.exit(main())
