"""A small incidents database for the dashboard tests, written with store.save_article from hand-made records.

The texts are made up for the tests. One article carries untrusted markup in every field it can.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path

from extract import store
from extract.records import Article, Incident, Place

XSS_HEADLINE = "<img src=x onerror=alert(1)>"
XSS_ID = "xss:0"


@dataclass(frozen=True, slots=True)
class Case:
    """One fixture article with one incident; the spans are found in `text` by their words."""

    article_id: str
    headline: str
    text: str
    evidence: str
    type: str
    category: str
    type_word: str | None
    place: Place | None
    place_word: str | None
    date: str | None
    fatal: bool | None
    weapon: str | None
    url: str | None = None
    ages: tuple[int, ...] = ()
    arrests: int | None = None


def place(name, lat, lon, precision, borough, code, kind="street"):
    return Place(
        name=name, lat=lat, lon=lon, kind=kind, precision=precision, borough=borough, borough_code=code, source="test"
    )


CASES = (
    Case(
        "peckham",
        "Man stabbed to death on Rye Lane",
        "A man was stabbed on Rye Lane in Peckham on Monday night. Two teenagers were arrested.",
        "A man was stabbed on Rye Lane in Peckham on Monday night.",
        "stabbing",
        "violence and sexual offences",
        "stabbed",
        place("Rye Lane", 51.46912, -0.06920, "street", "Southwark", "E09000028"),
        "Rye Lane",
        "2024-04-01",
        True,
        "knife",
        url="https://news.example/peckham",
        ages=(19,),
        arrests=2,
    ),
    Case(
        "greenwich",
        "Phone snatched outside Greenwich station",
        "A woman was robbed outside Greenwich station on Wednesday.",
        "A woman was robbed outside Greenwich station on Wednesday.",
        "robbery",
        "robbery",
        "robbed",
        place("Greenwich station", 51.47800, -0.01330, "station", "Greenwich", "E09000011", kind="station"),
        "Greenwich station",
        "2024-04-10",
        False,
        "none",
        url="https://news.example/greenwich",
    ),
    Case(
        "kingston",
        "Burglars target homes in Kingston upon Thames",
        "Several homes were burgled in Kingston upon Thames last month.",
        "Several homes were burgled in Kingston upon Thames last month.",
        "burglary",
        "burglary",
        "burgled",
        place(
            "Kingston upon Thames", 51.40850, -0.30640, "borough", "Kingston upon Thames", "E09000021", kind="borough"
        ),
        "Kingston upon Thames",
        "2024-03-15",
        False,
        None,
    ),
    Case(
        "xss",
        XSS_HEADLINE,
        "<script>alert(2)</script> A shooting in Hackney [x](javascript:alert(3)) ![i](http://x.invalid/i.png).",
        "<script>alert(2)</script> A shooting in Hackney [x](javascript:alert(3)) ![i](http://x.invalid/i.png).",
        "shooting",
        "violence and sexual offences",
        "shooting",
        place("Hackney <b>Central</b>", 51.54700, -0.05560, "area", "Hackney", "E09000012", kind="area"),
        "Hackney",
        "2024-04-20",
        None,
        "gun",
        url="javascript:alert(4)",
    ),
    Case(
        "city",
        "Shots fired on Cheapside",
        "Shots were fired on Cheapside in the City of London. Nobody was hurt.",
        "Shots were fired on Cheapside in the City of London.",
        "shooting",
        "violence and sexual offences",
        "Shots were fired",
        place("Cheapside", 51.51400, -0.09300, "street", "City of London", "E09000001"),
        "Cheapside",
        "2024-05-01",
        False,
        "gun",
        url="https://news.example/city",
    ),
    Case(
        "nowhere",
        "Robbery reported, place withheld",
        "Police are investigating a robbery.",
        "Police are investigating a robbery.",
        "robbery",
        "robbery",
        "robbery",
        None,
        None,
        None,
        None,
        None,
    ),
    Case(
        "brixton",
        "Murder inquiry after death on Brixton Road",
        "A murder inquiry began on Brixton Road. The victim, 34, died in hospital after a homicide.",
        "The victim, 34, died in hospital after a homicide.",
        "homicide",
        "violence and sexual offences",
        "murder",
        place("Brixton Road", 51.46700, -0.11400, "street", "Lambeth", "E09000022"),
        "Brixton Road",
        "2024-02-10",
        True,
        None,
        ages=(34,),
    ),  # both spans lie in the sentence before the evidence
)
"""Seven incidents in six boroughs (one without a place); ids are "<article_id>:0"."""


MORE_CASES = (
    Case(
        "ryelane2",
        "Teenager robbed on Rye Lane",
        "A teenager was robbed on Rye Lane on Friday evening.",
        "A teenager was robbed on Rye Lane on Friday evening.",
        "robbery",
        "robbery",
        "robbed",
        place("Rye Lane", 51.46912, -0.06920, "street", "Southwark", "E09000028"),
        "Rye Lane",
        "2024-03-20",
        False,
        "none",
        url="https://news.example/ryelane2",
    ),
    Case(
        "centre",
        "Man robbed in London",
        "A man was robbed in London, police said.",
        "A man was robbed in London, police said.",
        "robbery",
        "robbery",
        "robbed",
        place("London", 51.50735, -0.12776, "london", None, None, kind="region"),
        "London",
        "2023-11-05",
        False,
        None,
    ),
)


# A victim named in the text: masked for readers (dashboard.privacy), shown to editors.
NAMED = Case(
    "named",
    "Tributes to Kofi Mensah after Peckham stabbing",
    "Kofi Mensah, 22, was stabbed on Rye Lane in Peckham. Mensah died at the scene.",
    "Kofi Mensah, 22, was stabbed on Rye Lane in Peckham.",
    "stabbing",
    "violence and sexual offences",
    "stabbed",
    place("Rye Lane", 51.46912, -0.06920, "street", "Southwark", "E09000028"),
    "Rye Lane",
    "2024-04-02",
    True,
    "knife",
    url="https://news.example/named",
    ages=(22,),
)
"""A second incident at Rye Lane's point (a stack with the first) and one placed only as "London"."""


def incident_of(case: Case) -> Incident:
    """Return the fixture incident of `case`, with offsets into its article text."""
    start = case.text.index(case.evidence)
    type_at = case.text.index(case.type_word) if case.type_word else None
    place_at = case.text.index(case.place_word) if case.place_word else None
    return Incident(
        incident_id=f"{case.article_id}:0",
        article_id=case.article_id,
        type=case.type,
        category=case.category,
        location_text=case.place_word,
        place=case.place,
        date=case.date,
        fatal=case.fatal,
        weapon=case.weapon,
        victim_ages=case.ages,
        arrests=case.arrests,
        evidence=case.evidence,
        evidence_start=start,
        type_span=(type_at, type_at + len(case.type_word)) if type_at is not None else None,
        place_span=(place_at, place_at + len(case.place_word)) if place_at is not None else None,
        headline=case.headline,
        url=case.url,
        published=case.date,
    )


def build_incidents_db(path: str | Path, cases: tuple[Case, ...] = CASES) -> Path:
    """Write the fixture articles and incidents into a new SQLite database at `path`; returns the path."""
    conn = store.connect(path)
    try:
        for case in cases:
            article = Article(
                article_id=case.article_id,
                text=case.text,
                headline=case.headline,
                url=case.url,
                published=case.date,
                source=f"fixture:{case.article_id}",
            )
            store.save_article(conn, article, [incident_of(case)])
    finally:
        conn.close()
    return Path(path)


def database_problem_shown(at) -> str:
    """The one error a run of the app showed (data.database_problem's line), after no exception."""
    assert not at.exception, [e.message for e in at.exception]
    (message,) = [e.value for e in at.error]
    return message


def database_problem_line(db: str | Path, reason: str) -> str:
    """The line the app shows when the database `db` (as shown) cannot be used for `reason`, as markdown."""
    from dashboard.display import escape_markdown

    return escape_markdown(
        f"The incidents database {db} cannot be used ({reason}). Start the dashboard with --db naming one."
    )


def varied_cases(n: int, *, seed: int = 7) -> tuple[Case, ...]:
    """Return `n` made-up cases of every kind a filter or count tells apart: types, boroughs, precisions (with the
    undrawn one), points shared by several (one marker), no place, a place chosen among several of its name, dates
    shared, none or of a month only, fatal or not or unknown, weapons or none."""
    rng = random.Random(seed)
    types = (("stabbing", "violence and sexual offences"), ("robbery", "robbery"), ("burglary", "burglary"))
    boroughs = (("Hackney", "E09000012", 51.545, -0.055), ("Southwark", "E09000028", 51.47, -0.07))
    points = [(51.5 + rng.random() / 10, -0.1 + rng.random() / 10) for _ in range(n // 4)]  # shared by about four
    cases = []
    for k in range(n):
        kind, category = rng.choice(types)
        borough, code, lat, lon = rng.choice(boroughs)
        precision = rng.choice(("street", "street", "junction", "area", "borough", "london"))
        if rng.random() < 0.15:
            where = None
        else:
            lat, lon = rng.choice(points) if precision != "london" else (lat, lon)
            where = place(f"Place {k % 9}", lat, lon, precision, borough, code, kind=precision)
            where = replace(where, candidates=(1, 1, 2, 3, 5)[k % 5])  # of its name's places, context chose one
        day = rng.choice((None, "2024-04", "2024-03-31", "2024-04-01", "2024-04-02", "2023-12-25"))
        text = f"Case {k}: a {kind} was reported."
        cases.append(
            Case(
                f"varied{k:03d}",
                f"Case {k}",
                text,
                text,
                kind,
                category,
                None,
                where,
                None,
                day,
                rng.choice((True, False, None)),
                rng.choice((None, "knife", "gun", "none")),
            )
        )
    return tuple(cases)


def refuse_whole_frames(db: str | Path, monkeypatch) -> None:
    """On PostgreSQL, make the pages' frame of every incident (dashboard.data.incidents) fail: they ask statements
    there (at ten million incidents the frame took 36 s and 6.5 GB)."""
    from dashboard import data

    def refused(db_path):
        raise AssertionError(f"a page read every incident of {db_path} into a frame")

    if store.is_url(str(db)):
        monkeypatch.setattr(data, "incidents", refused)
