#!/usr/bin/env python3
"""Where a full IMAP scan spends its time, in the scanning process and in its workers. Prints
figures only.

    .venv/bin/python scripts/profile_scan.py                      # 10,000 messages, drafts off, profiled
    .venv/bin/python scripts/profile_scan.py --drafts --top 40
    .venv/bin/python scripts/profile_scan.py --no-profile --repeat 3   # rates and ratios only, drafts off and on
    .venv/bin/python scripts/profile_scan.py --parts    # CPU per message of each step, no IMAP (best of 3)

The mailbox is the one `bench.py` scans (its own 3 KB mail, seeded into a Dovecot it starts). The
profile of the workers is taken in the workers themselves (fork start method; each dumps its
profile when the pool shuts it down) and merged. `--no-profile` times the scan as `bench.py` does,
with mail-parser over the same bytes right before and after each scan (on a shared machine the
floor moves too), and prints each run's ratio, then the best scan over the best floor of all runs;
it also prints the CPU seconds of the scanning process and of its workers, which load moves less.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import corpus, mailparser_rate, raw_fetch_rate, seed, start_mailserver, write_config  # noqa: E402

PROFILE_DIR = Path(tempfile.mkdtemp(prefix="onward-profile-"))
_worker_profile: cProfile.Profile | None = None


def _dump_worker_profile() -> None:
    if _worker_profile is not None:
        _worker_profile.disable()
        _worker_profile.dump_stats(PROFILE_DIR / f"worker-{os.getpid()}.prof")


def profiled_read(model: Any, *args: Any) -> Any:
    """What a worker runs, under a profile kept for the worker's life (dumped as it exits)."""
    global _worker_profile
    from multiprocessing import util

    from onward.pipeline.run import analyse

    if _worker_profile is None:
        _worker_profile = cProfile.Profile()
        util.Finalize(None, _dump_worker_profile, exitpriority=10)
    _worker_profile.enable()
    try:
        return analyse(model, *args, known=None, slim=True)
    finally:
        _worker_profile.disable()


def scan_once(config_path: Path, profile: bool) -> dict[str, Any]:
    """One full scan in this process (run it in a fresh process: the CPU of the children is counted
    from the start)."""
    from onward.classifier.model import load_model
    from onward.config import load_config
    from onward.sync import scan
    from onward.sync.scan import ScanRequest, default_jobs, scan_account

    config = load_config(str(config_path))
    model = load_model()
    account = config.account("bench")
    if profile:
        scan.read_in_worker = profiled_read  # type: ignore[assignment]
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    summary = scan_account(config, model, account, ScanRequest(scan_all=True, jobs=default_jobs()))
    if profiler:
        profiler.disable()
        profiler.dump_stats(PROFILE_DIR / "parent.prof")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"scanned": summary.scanned, "rejections": summary.rejections, "drafts": summary.drafts,
            "seconds": wall, "parent_cpu_seconds": cpu,
            "workers_cpu_seconds": children.ru_utime + children.ru_stime, "profile_dir": str(PROFILE_DIR)}


def run_child(config_path: Path, profile: bool) -> dict[str, Any]:
    import subprocess

    out = subprocess.run([sys.executable, __file__, "--child", str(config_path)] + (["--profile"] if profile else []),
                         capture_output=True, text=True, env=os.environ)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout)


def show(profile_dir: Path, top: int) -> None:
    for name, files in (("scanning process", ["parent.prof"]),
                        ("workers, together", sorted(p.name for p in profile_dir.glob("worker-*.prof")))):
        if not files:
            continue
        text = io.StringIO()
        stats = pstats.Stats(*(str(profile_dir / f) for f in files), stream=text)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
        print(f"===== {name} =====")
        print(text.getvalue())


def parts(repeat: int) -> dict[str, Any]:
    """CPU microseconds per message of each step a scan takes, on the bench's mail (3,000
    messages of it), each the best of `repeat`: what the workers do (parse, classify, the facts of
    a rejection and the company of an acknowledgement) and what the scanning process does per draft."""
    from onward.classifier.model import load_model
    from onward.drafts.compose import compose, load_templates
    from onward.facts import language, people, role, rules
    from onward.facts.company import extract_company
    from onward.facts.extract import extract
    from onward.mail.parse import parse_message

    base = corpus(2500, 3500)
    raws = (base * (1 + 3000 // len(base)))[:3000]
    model = load_model()
    templates = load_templates()
    parsed = [parse_message(raw) for raw in raws]
    predictions = [p for start in range(0, len(parsed), 64) for p in model.predict(parsed[start:start + 64], False)]
    rejections = [m for m, p in zip(parsed, predictions, strict=True) if p.verdict == "rejection"]
    others = [m for m, p in zip(parsed, predictions, strict=True)
              if p.verdict != "rejection" and p.category in ("application_ack", "interview", "offer")]
    facts = [extract(m) for m in rejections]
    batches = list(range(0, len(parsed), 64))

    def best(work: Any, items: list[Any]) -> float:
        times = []
        for _ in range(repeat):
            start = time.process_time()
            for item in items:
                work(item)
            times.append(time.process_time() - start)
        return round(min(times) / len(items) * 1e6, 1)

    def draft(pair: tuple[Any, Any]) -> None:
        compose(pair[0], pair[1], "me@example.net", "Sam", templates).as_bytes()

    return {
        "messages": len(raws), "rejections": len(rejections), "acknowledgements_interviews_offers": len(others),
        "us_per_message": {"parse": best(parse_message, raws),
                           "classify": round(best(lambda start: model.predict(parsed[start:start + 64], False),
                                                  batches) * len(batches) / len(parsed), 1)},
        "us_per_rejection": {"extract": best(extract, rejections), "company": best(extract_company, rejections),
                             "role": best(role.extract_role, rejections),
                             "stage": best(rules.extract_stage, rejections),
                             "reason": best(rules.extract_reason, rejections),
                             "language": best(language.detect_language, rejections),
                             "signer": best(people.extract_signer, rejections),
                             "reply_address": best(people.reply_address, rejections),
                             "compose_draft": best(draft, list(zip(rejections, facts, strict=True)))},
        "us_per_other": {"company": best(extract_company, others)},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--drafts", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--parts", action="store_true")
    parser.add_argument("--child", type=Path)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.parts:
        print(json.dumps(parts(max(args.repeat, 3))))
        return 0
    if args.child:
        print(json.dumps(scan_once(args.child, args.profile)))
        return 0

    started = start_mailserver("onward-profile-run-")
    if started is None:
        print("Dovecot is needed (apt-get install dovecot-imapd)", file=sys.stderr)
        return 1
    server, tmp, base = started
    try:
        best: dict[str, float] = {}
        for run in range(args.repeat):
            variants = [False, True] if args.no_profile else [args.drafts]
            figures: dict[str, Any] = {"run": run + 1}
            fetched: list[bytes] = []
            floors: list[float] = []
            for drafts in variants:
                account = server.new_account()
                seed(server, account, base, args.messages)
                if not fetched:
                    _, fetched = raw_fetch_rate(server, account)
                # mail-parser right before and after each scan: on a shared machine the floor moves too
                floors.append(mailparser_rate(fetched))
                result = run_child(write_config(tmp, account, tmp / f"{account.username}.db", drafts=drafts),
                                   not args.no_profile)
                floors.append(mailparser_rate(fetched))
                floor = sum(floors[-2:]) / 2
                per_s = result["scanned"] / result["seconds"]
                name = "drafts_on" if drafts else "drafts_off"
                figures[name] = {
                    "scan_per_s": round(per_s, 1), "mailparser_alone_per_s": round(floor, 1),
                    "ratio_to_mailparser": round(per_s / floor, 3), "seconds": round(result["seconds"], 2),
                    "parent_cpu_s": round(result["parent_cpu_seconds"], 2),
                    "workers_cpu_s": round(result["workers_cpu_seconds"], 2),
                    "rejections": result["rejections"], "drafts": result["drafts"]}
                best[name] = max(best.get(name, 0.0), per_s)
                if not args.no_profile:
                    show(Path(result["profile_dir"]), args.top)
            best["mailparser"] = max(best.get("mailparser", 0.0), *floors)
            print(json.dumps(figures), flush=True)
        # the best of each over the runs: what the machine gives when nothing else runs on it
        print(json.dumps({"best_of_runs": {name: round(rate, 1) for name, rate in best.items()} | {
            f"{name}_ratio": round(best[name] / best["mailparser"], 3) for name in best if name != "mailparser"}}))
    finally:
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
