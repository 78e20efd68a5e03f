"""A draft whose rejection names no one goes to a person at the employer who wrote earlier, and
never to anyone else: the history query (store.earlier_senders), the judgement (find_person), and
the whole path measured on the threads we wrote (training_data/threads, scripts/measure_history_search.py)."""

from __future__ import annotations

from onward.store import Store
from onward.vocab import Category


def record(store: Store, message_id: str, from_addr: str, from_name: str, received_at: str,
           company: str | None = None, category: str = Category.INTERVIEW) -> None:
    store.insert_message("main", "INBOX", {
        "message_id": message_id, "from_addr": from_addr, "from_name": from_name, "received_at": received_at,
        "company": company, "category": category, "verdict": "not_rejection", "subject": "Interview",
        "status": "classified"})


def test_earlier_means_earlier_in_time_not_in_the_text_of_two_utc_offsets(tmp_path):
    with Store(tmp_path / "db.sqlite") as store:
        # 14:31 at -07:00 is 21:31 UTC: three hours after the rejection's 18:05 UTC
        record(store, "<after@p>", "erin.vasquez@pallas.example", "Erin Vasquez", "2026-03-16T14:31:52-07:00")
        # 19:30 at +09:00 is 10:30 UTC: before it, though its text sorts after
        record(store, "<before@p>", "ken.ito@pallas.example", "Ken Ito", "2026-03-16T19:30:00+09:00")
        rows = store.earlier_senders("main", "Pallas", "", "2026-03-16T18:05:00+00:00")
    assert [r["from_addr"] for r in rows] == ["ken.ito@pallas.example"]
