import math

import pytest
from dashboard_fixtures import XSS_HEADLINE

from dashboard.display import (
    MISSING,
    count_line,
    escape_markdown,
    highlighted_evidence,
    incident_table,
    plural,
    safe_url,
    shade_label,
    share_link,
    table_incident,
    undrawn_note,
    victim_ages,
)
from dashboard.maps import Shade


@pytest.mark.parametrize(
    "text, markdown",
    [
        ("Rye Lane", "Rye Lane"),
        ("a*b_c", "a\\*b\\_c"),
        ("<b>x</b>", "\\<b\\>x\\<\\/b\\>"),
        ("[x](javascript:alert(1))", "\\[x\\]\\(javascript\\:alert\\(1\\)\\)"),
        ("1. first\n\n# second  ", "1\\. first \\# second "),
        (":red[x] $y$ ~z~ `w`", "\\:red\\[x\\] \\$y\\$ \\~z\\~ \\`w\\`"),
        (42, "42"),
    ],
)
def test_escape_markdown(text, markdown):
    assert escape_markdown(text) == markdown


@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://news.example/a", "https://news.example/a"),
        ("  HTTP://news.example/a b ", "HTTP://news.example/a%20b"),
        ("https://news.example/x_(y)?q=1&r=<2>#f", "https://news.example/x_%28y%29?q=1&r=%3C2%3E#f"),
        ("javascript:alert(4)", None),
        ("JavaScript:alert(4)", None),
        ("data:text/html,<script>", None),
        ("ftp://news.example/a", None),
        ("//news.example/a", None),
        ("https:news.example/a", None),  # no host
        ("http://[::1/a", None),  # malformed
        ("http://news.example:eighty/a", None),
        ("", None),
        (None, None),
        (math.nan, None),
    ],
)
def test_safe_url(url, safe):
    assert safe_url(url) == safe


@pytest.mark.parametrize(
    "n, text", [(0, "0 incidents"), (1, "1 incident"), (2, "2 incidents"), (1500, "1,500 incidents")]
)
def test_plural(n, text):
    assert plural(n, "incident") == text


def evidence_row(evidence, start=10, place=(None, None), type_=(None, None)):
    return {
        "evidence": evidence,
        "evidence_start": start,
        "place_start": place[0],
        "place_end": place[1],
        "type_start": type_[0],
        "type_end": type_[1],
    }


@pytest.mark.parametrize(
    "row, markdown",
    [
        (evidence_row("A man was stabbed on Rye Lane."), "> A man was stabbed on Rye Lane\\."),
        (
            evidence_row("A man was stabbed on Rye Lane.", place=(31, 39), type_=(20, 27)),
            "> A man was :orange-background[stabbed] on :blue-background[Rye Lane]\\.",
        ),
        (
            evidence_row("A man was stabbed on Rye Lane.", place=(float("nan"), float("nan")), type_=(20, 27)),
            "> A man was :orange-background[stabbed] on Rye Lane\\.",
        ),
        (evidence_row("A man was stabbed.", place=(5, 9)), "> A man was stabbed\\."),  # before the sentence
        (evidence_row("A man was stabbed.", place=(20, 40)), "> A man was stabbed\\."),  # past its end
        (
            evidence_row("A man was stabbed.", place=(16, 27), type_=(20, 27)),
            "> A man :blue-background[was stabbed]\\.",
        ),
        (evidence_row("<i>x</i> hit", type_=(19, 22)), "> \\<i\\>x\\<\\/i\\> :orange-background[hit]"),
        (evidence_row(""), "_No evidence sentence._"),
        (evidence_row(None, start=None), "_No evidence sentence._"),
    ],
)
def test_highlighted_evidence(row, markdown):
    assert highlighted_evidence(row) == markdown


@pytest.mark.parametrize(
    "stored, ages",
    [
        ("[19, 17]", [19, 17]),
        ("[]", []),
        ('[19, "x", 2.5, null]', [19]),
        ('{"age": 19}', []),
        ("not json", []),
        (None, []),
        (math.nan, []),
    ],
)
def test_victim_ages(stored, ages):
    assert victim_ages(stored) == ages


def test_incident_table_shows_untrusted_text_as_text_and_only_safe_links(frame):
    rows = frame.loc[["xss:0", "peckham:0", "nowhere:0"]].copy()
    rows.loc["nowhere:0", "headline"] = ""
    table = incident_table(rows, {"stabbing": "Stabbing"})
    assert list(table.columns) == [
        "Date",
        "Headline",
        "Type",
        "Category",
        "Place",
        "Borough",
        "Precision",
        "Fatal",
        "Weapon",
        "Source",
    ]
    assert list(table.index) == ["xss:0", "peckham:0", "nowhere:0"]
    assert table.astype(object).where(table.notna(), None).values.tolist() == [
        [
            "2024-04-20",
            XSS_HEADLINE,
            "shooting",
            "violence and sexual offences",
            "Hackney <b>Central</b>",
            "Hackney",
            "area",
            MISSING,
            "gun",
            None,
        ],
        [
            "2024-04-01",
            "Man stabbed to death on Rye Lane",
            "Stabbing",
            "violence and sexual offences",
            "Rye Lane",
            "Southwark",
            "street",
            "yes",
            "knife",
            "https://news.example/peckham",
        ],
        ["—", "“Police are investigating a robbery.”", "robbery", "robbery", "—", "—", "—", "—", "—", None],
    ]


@pytest.mark.parametrize(
    "page_url, params, link",
    [
        ("", {}, ""),
        ("http://localhost:8501/", {}, "http://localhost:8501/"),
        (
            "http://localhost:8501/",
            {"borough": ["City of London", "Hackney"], "q": ["a&b=c"]},
            "http://localhost:8501/?borough=City%20of%20London&borough=Hackney&q=a%26b%3Dc",
        ),
        ("", {"incident": ["peckham:0"]}, "?incident=peckham%3A0"),
    ],
)
def test_share_link(page_url, params, link):
    assert share_link(page_url, params) == link


@pytest.mark.parametrize(
    "n, options, line",
    [
        (7, {}, "7 incidents"),
        (1, {"km": 1.0, "place": "Rye Lane, SE15"}, "1 incident within 1 km of Rye Lane\\, SE15"),
        (2, {"km": 0.25, "place": "<b>SE15</b>"}, "2 incidents within 0.25 km of \\<b\\>SE15\\<\\/b\\>"),
        (3, {"km": 1.0, "place": None}, "3 incidents"),
    ],
)
def test_count_line(n, options, line):
    assert count_line(n, **options) == line


@pytest.mark.parametrize(
    "london_only, no_place, note",
    [
        (0, 0, None),
        (3, 0, "3 incidents placed only as London are in the table, not on the map."),
        (1, 0, "1 incident placed only as London is in the table, not on the map."),
        (0, 1, "1 incident without a place is in the table, not on the map."),
        (1, 2, "1 incident placed only as London and 2 incidents without a place are in the table, not on the map."),
    ],
)
def test_undrawn_note(london_only, no_place, note):
    assert undrawn_note(london_only, no_place) == note


@pytest.mark.parametrize(
    "shade, whole, label",
    [
        (Shade((0, 0, 0), None, 1.0), True, "1"),
        (Shade((0, 0, 0), None, 3.0), True, "1–3"),
        (Shade((0, 0, 0), 3.0, 5.0), True, "4–5"),
        (Shade((0, 0, 0), 4.0, 5.0), True, "5"),
        (Shade((0, 0, 0), 130.0, 1400.0), True, "131–1,400"),
        (Shade((0, 0, 0), None, 0.3), False, "up to 0.3"),
        (Shade((0, 0, 0), 0.6, 12.0), False, "0.6–12"),
    ],
)
def test_shade_label(shade, whole, label):
    assert shade_label(shade, whole=whole) == label


@pytest.mark.parametrize(
    "event, incident",
    [
        ({"selection": {"rows": [1], "columns": []}}, "b:0"),
        ({"selection": {"rows": [0]}}, "a:0"),
        ({"selection": {"rows": []}}, None),
        ({"selection": {"rows": [2]}}, None),
        ({"selection": {"rows": [-1]}}, None),
        ({"selection": {"rows": ["0"]}}, None),
        ({"selection": None}, None),
        ({}, None),
        (None, None),
        ("rows", None),
    ],
)
def test_table_incident(event, incident):
    assert table_incident(event, ["a:0", "b:0"]) == incident
