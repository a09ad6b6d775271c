"""Run the extractor over public geoparsing corpora (news from everywhere) and count the articles it places in
London; prints figures, asserts nothing.

Most of these articles are about the US, Canada, Australia and elsewhere, and many report crimes, so every London
incident found where the corpus annotates no London toponym is a likely false positive (or a London story that the
corpus annotators did not geocode: the listing shows the headline to judge).

Example:
    python -m extract.evaluation.corpus_check ../shared/data/geoparse-bench/lgl.xml.gz \
        ../shared/data/geoparse-bench/GWN.xml.gz
"""

from __future__ import annotations

import argparse
import gzip
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path

from extract.geo.gazetteer import LONDON_BBOX
from extract.pipeline import extract_incidents, load_extractor
from extract.records import Article, ExtractError
from extract.text.cues import find_cues


def read_corpus(path: str | Path) -> Iterator[tuple[Article, bool]]:
    """Yield each article of a corpus XML file (gzipped or not) with whether its gold toponyms include London."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            root = ET.parse(f).getroot()
    except (OSError, ET.ParseError) as e:
        raise ExtractError(f"{path}: cannot read corpus ({e})") from None
    name = Path(path).name.split(".")[0]
    for i, art in enumerate(root.iter("article")):
        in_london = False
        for t in art.iter("toponym"):
            lat, lon = t.findtext(".//lat"), t.findtext(".//lon")
            if lat and lon:
                in_london |= LONDON_BBOX.contains(float(lat), float(lon))
        yield Article(f"{name}:{i}", art.findtext("text") or "", headline=art.findtext("title")), in_london


def main(argv: Sequence[str] | None = None) -> int:
    """Print, per corpus and in total: articles, articles with a crime word, and those given London incidents."""
    parser = argparse.ArgumentParser(
        prog="python -m extract.evaluation.corpus_check", description=__doc__.splitlines()[0]
    )
    parser.add_argument("corpora", nargs="+", help="corpus XML files (.xml or .xml.gz) with <article> elements")
    args = parser.parse_args(argv)
    extractor = load_extractor()
    totals = [0, 0, 0, 0]
    listing = []
    for path in args.corpora:
        counts = [0, 0, 0, 0]  # articles, with a crime word, London incidents, of those with no London toponym
        try:
            for article, in_london in read_corpus(path):
                counts[0] += 1
                counts[1] += any(c.type for c in find_cues(article.text, vocab=extractor.vocab))
                incidents = extract_incidents(article, extractor=extractor)
                if incidents:
                    counts[2] += 1
                    counts[3] += not in_london
                    first = incidents[0]
                    listing.append(
                        f"  {article.article_id:<14} {'london' if in_london else 'elsewhere':<9} "
                        f"{first.type:<14} {first.location_text!s:<22} {(article.headline or '')[:60]}"
                    )
        except ExtractError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(
            f"{Path(path).name:<22} articles={counts[0]:<5} with a crime word={counts[1]:<5} "
            f"given London incidents={counts[2]:<4} of which the corpus marks no London place={counts[3]}"
        )
        totals = [a + b for a, b in zip(totals, counts)]
    print(
        f"{'total':<22} articles={totals[0]:<5} with a crime word={totals[1]:<5} "
        f"given London incidents={totals[2]:<4} of which the corpus marks no London place={totals[3]}"
    )
    print("\n".join(listing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
