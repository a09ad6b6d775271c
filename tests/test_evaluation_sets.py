"""The labelled sets written apart from the rules (data/evaluation/*_apart/, articles_unseen/): each loads with the
evaluation's own readers, labels every article it holds and no other, and each scene it labels is written in its
article."""

import pytest

from extract.articles import read_articles
from extract.datafiles import DATA_DIR
from extract.evaluation.events import load_event_gold
from extract.evaluation.scoring import load_gold

APART = DATA_DIR / "evaluation"


def _articles(directory):
    errors: list = []
    articles = {a.article_id: a for a in read_articles([APART / directory / "articles.jsonl"], errors=errors)}
    assert errors == []
    return articles


@pytest.mark.parametrize(
    "name, articles_at_least, others_at_least", [("articles_apart", 110, 15), ("articles_unseen", 40, 5)]
)
def test_the_articles_set_labels_each_article_and_its_scenes(name, articles_at_least, others_at_least):
    articles, gold = _articles(name), load_gold(APART / name / "gold.jsonl")
    assert len(articles) >= articles_at_least and set(gold) == set(articles)
    scenes = [(aid, i["location_text"]) for aid, g in gold.items() for i in g["incidents"] if i.get("location_text")]
    assert scenes and [(aid, text) for aid, text in scenes if text not in articles[aid].text] == []
    assert sum(1 for g in gold.values() if not g["is_incident"]) >= others_at_least  # no crime, or not in London


@pytest.mark.parametrize(
    "name, articles_at_least, events_at_least", [("events_apart", 70, 20), ("events_probe", 30, 10)]
)
def test_an_events_set_labels_each_article(name, articles_at_least, events_at_least):
    articles, gold = _articles(name), load_event_gold(APART / name / "gold.jsonl")
    assert len(articles) >= articles_at_least and set(gold.event) == set(articles)
    assert len(set(gold.event.values())) >= events_at_least and any(gold.near_misses.values())
