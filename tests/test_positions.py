"""dashboard.positions: incident ids found in a frame's index as pandas finds them, without pandas' hash table."""

import gc
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from dashboard_fixtures import CASES, MORE_CASES, build_incidents_db
from streamlit.testing.v1 import AppTest

from dashboard import data, positions
from dashboard.positions import HASHED_ROWS, find, find_one, holds

BIG = HASHED_ROWS + 1_000
APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def ids(n: int) -> list[str]:
    # Of two lengths, as the ids of a real store are not: "i7:0" and "i7:12".
    return [f"i{i}:{i % 13}" for i in range(n)]


def index(n: int, dtype: str = "str") -> pd.Index:
    if dtype == "object":  # pd.array of Python strings would be "str"
        return pd.Index(np.array(ids(n), dtype=object), dtype=object)
    return pd.Index(pd.array(ids(n), dtype=dtype))


def engine_made(found_in: pd.Index) -> bool:
    """Whether pandas has made its hash table of `found_in` (its engine, filled at the first look-up)."""
    engine = found_in._cache.get("_engine")
    return engine is not None and engine.is_mapping_populated


@pytest.mark.parametrize(
    ("size", "dtype", "wanted"),
    [
        (10, "str", ["i3:3", "nope", "i0:0", "i3:3"]),
        (10, "str", []),
        (BIG, "str", ["i5:5"]),  # scanned
        (BIG, "str", ["i60000:5", "i1:1", "nope", None, "i60000:5", "I1:1"]),  # hashed
        (BIG, "str", ids(BIG)[::-7]),
        (BIG, "str", ["i5:5", None, float("nan"), 7]),  # scanned: what is not text is not held
        (BIG, "str", ["i5:5", None, float("nan"), 7, "i6:6"]),
        (BIG, "object", ["i2:2", "i50999:2", "nope", "i2:2", "x"]),
        (BIG, "object", ["i2:2"]),
        (BIG, "string[pyarrow]", ["i4:4", "i50999:2", "nope", "i9:9", "i10:10"]),
        (BIG, "string[python]", ["i4:4", "i50999:2", "nope", "i9:9", "i10:10"]),
        (BIG, "string[python]", ["i4:4"]),
    ],
)
def test_find_gives_what_get_indexer_gives(size, dtype, wanted):
    found_in = index(size, dtype)
    expected = pd.Index(ids(size), dtype=object).get_indexer(pd.Index(wanted, dtype=object))
    assert find(found_in, wanted).tolist() == expected.tolist()
    assert find(found_in, wanted).tolist() == expected.tolist()  # again, by the table kept
    if size >= HASHED_ROWS:
        assert not engine_made(found_in)


@pytest.mark.parametrize(
    ("incident", "expected"),
    [("i0:0", 0), ("i50000:2", 50_000), ("nope", None), (None, None), (7, None), ("", None)],
)
def test_find_one(incident, expected):
    found_in = index(BIG)
    assert find_one(found_in, incident) == expected
    assert holds(found_in, incident) is (expected is not None)
    assert not engine_made(found_in)


def test_ids_of_one_hash_are_told_apart(monkeypatch):
    """Every id hashed alike: each is still found by comparing it, and an id not held is not."""
    monkeypatch.setattr(positions, "_hashes", lambda values: np.zeros(len(values), dtype=np.uint64))
    found_in = index(BIG)
    wanted = ["i17:4", "nope", "i0:0", ids(BIG)[-1], "i17:4", "i3:3"]
    assert len(wanted) > positions.SCANNED_IDS  # not a scan
    assert find(found_in, wanted).tolist() == [17, -1, 0, BIG - 1, 17, 3]


def living_tables() -> int:
    return sum(1 for maker, _ in positions._KEPT.values() if maker() is not None)


def test_indexes_of_one_array_share_a_table_while_its_maker_lives():
    """Indexes of one Arrow array of ids (a version's frames share theirs) share one table of hashes; it goes with
    the index that made it, and another array of the same ids gets a table of its own."""
    gc.collect()
    before = living_tables()
    made = index(BIG)
    many = ids(BIG)[::1000]
    find(made, many)
    other = pd.Index(made.array)
    assert find(other, many).tolist() == list(range(0, BIG, 1000))
    assert living_tables() == before + 1
    kept = len(positions._KEPT)
    del made
    gc.collect()
    assert living_tables() == before
    assert len(positions._KEPT) == kept - 1  # let go of with its maker
    assert find(other, many).tolist() == list(range(0, BIG, 1000))
    assert living_tables() == before + 1
    find(index(BIG), many)
    assert living_tables() == before + 1  # that index is gone already


LINKS = (
    {},
    {"incident": "peckham:0"},
    {"incident": "city:0", "count": "reports"},
    {"q": "stabbed"},
    {"q": "["},  # every text read and masked
    {"view": "density"},
    {"incident": "nope:0"},
)


def page_shown(**params) -> tuple:
    """What the map page shows for a link: its texts, the deck and the tables."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    texts = [e.value for kind in ("markdown", "caption", "subheader", "info") for e in at.get(kind)]
    tables = [e.value.astype(str).to_dict("list") for e in at.dataframe]
    return texts, [e.proto.json for e in at.get("deck_gl_json_chart")], tables


@pytest.mark.parametrize("scanned", [0, positions.SCANNED_IDS])
def test_the_map_page_shows_the_same_by_hashes(tmp_path, monkeypatch, scanned):
    """Every frame looked up by its hashes (or a scan for a few ids), as pages of a million incidents are: each link
    shows what it shows by pandas' look-ups."""
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES + MORE_CASES)
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    monkeypatch.delenv("CRIMEMAP_BASEMAP", raising=False)
    monkeypatch.setattr(sys, "argv", ["app.py"])
    st.cache_resource.clear()
    by_pandas = [page_shown(**link) for link in LINKS]
    st.cache_resource.clear()  # the texts kept of the rows shown
    monkeypatch.setattr(positions, "HASHED_ROWS", 1)
    monkeypatch.setattr(positions, "SCANNED_IDS", scanned)
    assert [page_shown(**link) for link in LINKS] == by_pandas
    frames = [data.incidents(db), data.public(db), data.events(db, public_view=True)]
    assert not any(engine_made(frame.index) for frame in frames)  # not made by any look-up of the page's
    assert "#### [Man stabbed to death on Rye Lane](https://news.example/peckham)" in by_pandas[1][0]  # its details


@pytest.mark.parametrize("page", ["app_pages/review.py", "app_pages/recorded.py"])
def test_other_pages_make_no_table_of_pandas(tmp_path, monkeypatch, page):
    """The editors' Review page and News vs recorded look no id up through pandas' table either."""
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES + MORE_CASES)
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    monkeypatch.setenv("CRIMEMAP_LOCAL_EDITING", "1")
    monkeypatch.setattr(sys, "argv", ["app.py"])
    monkeypatch.setattr(positions, "HASHED_ROWS", 1)
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    assert at.title and at.subheader or at.header
    frames = [data.incidents(db), data.events(db, public_view=False)]
    assert not any(engine_made(frame.index) for frame in frames)
