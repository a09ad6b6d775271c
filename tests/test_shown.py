import pandas as pd
import pytest

from dashboard import maps
from dashboard.data import coded
from dashboard.filters import NO_FILTERS, Filters, filter_incidents
from dashboard.shown import FrameShown

FILTERS = [
    NO_FILTERS,
    Filters(boroughs=("Southwark",)),
    Filters(fatal_only=True),
    Filters(types=("robbery", "burglary")),
    Filters(min_precision="street"),
    Filters(boroughs=("Barnet",)),  # none
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("coding", [lambda f: f, coded], ids=["plain", "coded"])
def test_frame_shown_answers_as_the_filtered_frame(frame, filters, coding):
    whole = coding(frame)
    rows = filter_incidents(whole, filters)
    drawn = rows[maps.drawable(rows).to_numpy(dtype=bool)]
    shown = FrameShown(whole, filters)
    assert (len(shown), list(shown.newest()), list(shown.newest(2))) == (
        len(rows),
        list(rows.index),
        list(rows.index[:2]),
    )
    for column in ("type", "borough", "date", "precision"):
        assert shown.counts(column).to_dict() == rows[column].value_counts().loc[lambda c: c > 0].to_dict()
        assert shown.missing(column) == rows[column].isna().sum()
    assert shown.counts("cell", drawn=True).to_dict() == maps.cell_counts(rows).to_dict()
    assert (shown.drawable(), list(shown.drawn_rows().index)) == (len(drawn), list(drawn.index))
    assert shown.bounds() == maps.points_bounds(rows)
    pairs = {(t, w): n for t, w, n in shown.pairs("type", "weapon", drawn=True).itertuples(index=False)}
    expected = drawn.groupby(["type", "weapon"], dropna=False, observed=True).size()
    assert pairs == {(t, None if pd.isna(w) else w): n for (t, w), n in expected.items()}
    for incident in (*rows.index[:3], "nowhere:0"):
        assert shown.marker(incident) == maps.marker_point(rows, incident)
        assert shown.stack(incident) == maps.stack_of(rows, incident)


def test_pairs_keep_a_missing_value_as_none(frame):
    pairs = FrameShown(frame, NO_FILTERS).pairs("type", "weapon")
    assert pairs["n"].sum() == len(frame)
    assert pairs["weapon"].map(lambda w: w is None or isinstance(w, str)).all()
