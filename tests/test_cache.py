"""The pickle cache of built objects: a hit loads without building, a changed or moved input or a corrupt file
builds again, an unwritable directory still returns the build; and the cached extractor extracts what a freshly
built one does."""

from dataclasses import dataclass

import pytest

from extract import cache
from extract.pipeline import extract_incidents, load_extractor
from extract.records import Article


@dataclass(frozen=True, slots=True)
class Built:
    words: tuple[str, ...]


class Builder:
    """Counts its builds; builds from the words of its input file."""

    def __init__(self, source):
        self.source = source
        self.builds = 0

    def build(self):
        self.builds += 1
        return Built(tuple(self.source.read_text().split()))

    def cached(self, directory):
        return cache.load_cached(self.build, name="thing", inputs=[self.source], directory=directory)


@pytest.fixture
def builder(tmp_path):
    source = tmp_path / "vocabulary.txt"
    source.write_text("stabbed shot robbed")
    return Builder(source)


def test_hit_loads_without_building(builder, tmp_path):
    first = builder.cached(tmp_path / "cache")
    second = builder.cached(tmp_path / "cache")
    assert first == second == Built(("stabbed", "shot", "robbed"))
    assert builder.builds == 1
    assert [p.name.startswith("thing-") for p in (tmp_path / "cache").iterdir()] == [True]


def test_changed_input_builds_again_and_replaces_the_old_file(builder, tmp_path):
    builder.cached(tmp_path / "cache")
    builder.source.write_text("stabbed shot robbed burgled")
    assert builder.cached(tmp_path / "cache").words == ("stabbed", "shot", "robbed", "burgled")
    assert builder.builds == 2
    assert len(list((tmp_path / "cache").glob("thing-*.pickle"))) == 1


def test_moved_input_builds_again(builder, tmp_path):
    """A pickle may hold the paths of files it reads later (the gazetteer's postcodes): another copy of the same
    files is another key, so a pickle never points into a checkout that may be gone."""
    builder.cached(tmp_path / "cache")
    moved = tmp_path / "elsewhere" / "vocabulary.txt"
    moved.parent.mkdir()
    moved.write_bytes(builder.source.read_bytes())
    builder.source = moved
    assert builder.cached(tmp_path / "cache").words == ("stabbed", "shot", "robbed")
    assert builder.builds == 2


@pytest.mark.parametrize("content", [b"", b"not a pickle", b"\x80\x05\x95\xff\xff"])
def test_corrupt_cache_builds_again(builder, tmp_path, content):
    builder.cached(tmp_path / "cache")
    (saved,) = (tmp_path / "cache").glob("thing-*.pickle")
    saved.write_bytes(content)
    assert builder.cached(tmp_path / "cache").words == ("stabbed", "shot", "robbed")
    assert builder.builds == 2
    assert builder.cached(tmp_path / "cache").words == ("stabbed", "shot", "robbed")  # rewritten, now a hit
    assert builder.builds == 2


def test_unwritable_cache_directory_still_builds(builder, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")  # a directory cannot be made under a file, even by root
    assert builder.cached(blocked / "cache").words == ("stabbed", "shot", "robbed")
    assert builder.cached(blocked / "cache").words == ("stabbed", "shot", "robbed")
    assert builder.builds == 2


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"CRIMEMAP_CACHE_DIR": "/somewhere/else"}, "/somewhere/else"),
        ({"CRIMEMAP_CACHE_DIR": "", "XDG_CACHE_HOME": "/xdg"}, None),
        ({"XDG_CACHE_HOME": "/xdg"}, "/xdg/crimemap"),
        ({"HOME": "/home/reader"}, "/home/reader/.cache/crimemap"),
    ],
)
def test_cache_dir(monkeypatch, env, expected):
    for name in ("CRIMEMAP_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    found = cache.cache_dir()
    assert (None if found is None else str(found)) == expected


def test_no_cache_directory_builds_every_time(builder, monkeypatch):
    monkeypatch.setenv("CRIMEMAP_CACHE_DIR", "")
    builder.cached(None)
    builder.cached(None)
    assert builder.builds == 2


def test_cached_extractor_extracts_like_a_built_one(tmp_path, monkeypatch):
    monkeypatch.setenv("CRIMEMAP_CACHE_DIR", str(tmp_path))
    built = load_extractor()  # builds and writes the cache
    assert len(list(tmp_path.glob("extractor-*.pickle"))) == 1
    cached = load_extractor()
    assert cached is not built and type(cached) is type(built)
    article = Article(
        "a1",
        "A 19-year-old man was stabbed on Rye Lane in Peckham on Saturday night. Police were called at 9.40pm and "
        "a 20-year-old man has been arrested on suspicion of attempted murder.",
        headline="Man stabbed in Peckham",
        published="2024-03-04",
    )
    incidents = extract_incidents(article, extractor=cached)
    assert incidents and incidents == extract_incidents(article, extractor=built)
