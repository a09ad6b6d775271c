"""Articles for the events view's tests: three outlets report one stabbing on Rye Lane (one a copy of a police
appeal, with a link that must not become one), and one reports a shooting on Mare Street. The texts are made up."""

from __future__ import annotations

import json
from pathlib import Path

from extract.pipeline import Extractor, ingest_paths

RYE_LANE_TEXT = (
    "A 15-year-old boy was stabbed on Rye Lane in Peckham on Sunday afternoon, police said. Officers were called at "
    "about 4pm and paramedics took him to hospital. Anyone with information is asked to call 101 quoting CAD 4821."
)
ARTICLES = (
    {
        "id": "rye-a",
        "headline": "Boy, 15, stabbed on Rye Lane",
        "published": "2024-05-06",
        "url": "https://news.example/rye-a",
        "text": RYE_LANE_TEXT,
    },
    {
        "id": "rye-b",
        "headline": "Rye Lane knife attack: two men arrested",
        "published": "2024-05-07",
        "url": "https://www.local.example/rye-b",
        "text": "A boy aged 15 was stabbed on Rye Lane, Peckham, on Sunday. Officers were called at about 4pm. "
        "Two men have been arrested on suspicion of wounding.",
    },
    {
        "id": "rye-c",
        "headline": "*Appeal* [after stabbing](javascript:alert(1))",
        "published": "2024-05-08",
        "url": "javascript:alert(1)",
        "text": RYE_LANE_TEXT,
    },
    {
        "id": "mare",
        "headline": "Man shot on Mare Street",
        "published": "2024-05-02",
        "url": "https://news.example/mare",
        "text": "A man was shot on Mare Street in Hackney on Wednesday night. Police were called at 11pm.",
    },
)


def build_events_db(folder: Path, extractor: Extractor, db: Path | str | None = None) -> Path | str:
    """Ingest ARTICLES with the real pipeline into `db` (default folder/incidents.db; or a PostgreSQL URL) and return
    it."""
    source = folder / "articles.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in ARTICLES), encoding="utf-8")
    db = folder / "incidents.db" if db is None else db
    report = ingest_paths([source], db_path=db, extractor=extractor)
    assert (report.articles, report.incidents, report.errors) == (4, 4, [])
    return db
