import pandas as pd
import pytest

from dashboard import charts


@pytest.mark.parametrize(
    "values, labels, ranked",
    [
        ([], None, []),
        ([None, None], None, []),
        (["robbery", "stabbing", "robbery", None], None, [("robbery", 2), ("stabbing", 1)]),
        (["b", "a", "c", "c"], None, [("c", 2), ("a", 1), ("b", 1)]),  # ties by value
        (["stabbing", "robbery"], {"stabbing": "Stabbing", "robbery": "Robbery"}, [("Robbery", 1), ("Stabbing", 1)]),
    ],
)
@pytest.mark.parametrize("dtype", [object, "category"])
def test_ranked_counts_most_first(values, labels, ranked, dtype):
    found = charts.ranked_counts(pd.Series(values, dtype=dtype).value_counts(), labels=labels)
    assert list(zip(found["value"], found["incidents"])) == ranked


def test_ranked_counts_leave_out_a_categorys_values_filtered_out():
    kept = pd.Series(["robbery", "stabbing", "burglary", "robbery"], dtype="category").iloc[[0, 3, 1]]
    found = charts.ranked_counts(kept.value_counts())
    assert list(zip(found["value"], found["incidents"])) == [("robbery", 2), ("stabbing", 1)]


@pytest.mark.parametrize(
    "dates, months",
    [
        ([], []),
        ([None], []),
        (["2024-04-01", "2024-04-30", None], [("2024-04-01", 2)]),
        (
            ["2023-11-05", "2024-02-10", "2024-02-11"],
            [("2023-11-01", 1), ("2023-12-01", 0), ("2024-01-01", 0), ("2024-02-01", 2)],
        ),
        (["not a date", "2024-01-09"], [("2024-01-01", 1)]),
    ],
)
@pytest.mark.parametrize("dtype", [object, "category"])
def test_month_counts_show_every_month_from_the_first_to_the_last(dates, months, dtype):
    found = charts.month_counts(pd.Series(dates, dtype=dtype).value_counts())
    assert list(zip(found["month"], found["incidents"])) == months
    assert list(found["end"][:-1]) == list(found["month"][1:])


def test_month_counts_keep_the_years_between_two_incidents():
    found = charts.month_counts(pd.Series(["2006-01-01", "2016-12-31"]).value_counts())
    assert (len(found), found["incidents"].sum()) == (132, 2)
    assert (found["month"].iloc[0], found["end"].iloc[-1]) == ("2006-01-01", "2017-01-01")


def test_ranked_chart_keeps_the_order_given():
    spec = charts.ranked_chart(
        charts.ranked_counts(pd.Series(["b", "a", "a"]).value_counts()), title="By type"
    ).to_dict()
    assert spec["encoding"]["y"]["sort"] is None
    assert spec["mark"]["type"] == "bar"
    assert spec["title"] == "By type"


def test_month_chart_has_a_continuous_time_axis():
    spec = charts.month_chart(charts.month_counts(pd.Series(["2006-05-01", "2016-05-01"]).value_counts())).to_dict()
    assert (spec["encoding"]["x"], spec["encoding"]["x2"]) == (
        {"field": "month", "title": None, "type": "temporal"},
        {"field": "end"},
    )
    assert spec["encoding"]["y2"] == {"datum": 0}
