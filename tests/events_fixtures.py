"""Articles for the events view's tests: three outlets report one stabbing on Rye Lane (one a copy of a police
appeal, with a link that must not become one), and one reports a shooting on Mare Street; and MERGE_ARTICLES, five
incidents told by eleven reports. The texts are made up."""

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


MERGE_ARTICLES = (  # made up: five incidents, four of them told by several reports, one a sexual offence
    (
        "rye-a",
        "Boy, 15, stabbed on Rye Lane",
        "2024-05-06",
        "A 15-year-old boy was stabbed on Rye Lane in Peckham on "
        "Sunday afternoon, police said. Officers were called at about 4pm and paramedics took him to hospital.",
    ),
    (
        "rye-b",
        "Peckham knife attack: two men arrested",
        "2024-05-07",
        "A boy aged 15 was stabbed in Peckham on Sunday. "
        "Officers were called to Rye Lane at about 4pm. Two men have been arrested on suspicion of wounding.",
    ),
    (
        "rye-c",
        "Teenager stabbed in Peckham",
        "2024-05-08",
        "A 15-year-old boy was stabbed in Peckham on Saturday "
        "evening, police said. He was taken to hospital with a knife wound.",
    ),
    (
        "cold-a",
        "Man shot on Coldharbour Lane",
        "2024-03-02",
        "A man was shot on Coldharbour Lane in Brixton on Friday "
        "night, police said. The 24-year-old was taken to hospital where he died.",
    ),
    (
        "cold-b",
        "Brixton shooting: murder inquiry",
        "2024-03-03",
        "A murder investigation has begun after a "
        "24-year-old man was shot dead on Coldharbour Lane in Brixton on Friday. Police were called at 11pm.",
    ),
    (
        "cold-c",
        "Man charged with Brixton murder",
        "2024-04-20",
        "A man has been charged with murder after a "
        "24-year-old man was shot dead on Coldharbour Lane in Brixton on 1 March. He will appear at Camberwell Green "
        "Magistrates' Court.",
    ),
    (
        "mare-a",
        "Man stabbed on Mare Street",
        "2024-02-10",
        "A man in his 30s was stabbed on Mare Street in Hackney, "
        "police said. He was taken to hospital. A knife was recovered.",
    ),
    (
        "mare-b",
        "Hackney stabbing",
        "2024-02-10",
        "A man in his 30s was stabbed on Mare Street in Hackney, police said. "
        "He was taken to hospital. A knife was recovered at the scene.",
    ),
    (
        "sex-a",
        "Woman sexually assaulted near Peckham Rye station",
        "2024-01-15",
        "A woman was sexually assaulted near "
        "Peckham Rye station on Saturday night, police said. Officers are appealing for witnesses.",
    ),
    (
        "sex-b",
        "Appeal after sexual assault in Peckham",
        "2024-01-16",
        "Police are appealing for witnesses after a "
        "woman was sexually assaulted on Rye Lane in Peckham on Saturday night.",
    ),
    (
        "den",
        "Robbery on Denmark Hill",
        "2024-06-01",
        "A man was robbed at knifepoint on Denmark Hill in Camberwell on Thursday, police said.",
    ),
)


def build_merges_db(folder: Path, extractor: Extractor, db: Path | str | None = None) -> Path | str:
    """Ingest MERGE_ARTICLES with the real pipeline into `db` (default folder/incidents.db; or a PostgreSQL URL) and
    return it."""
    source = folder / "articles.jsonl"
    rows = [
        {"id": a, "headline": h, "published": p, "url": f"https://news.example/{a}", "text": t}
        for a, h, p, t in MERGE_ARTICLES
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    db = folder / "incidents.db" if db is None else db
    ingest_paths([source], db_path=db, extractor=extractor)
    return db
