"""The package layout: the README's layout table names every module, and layers import downward only."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("extract", "dashboard")

LAYERS = {  # module or package -> (rank, layer); a module may import its own rank or lower, never higher
    "extract.records": (0, "foundation"),
    "extract.datafiles": (0, "foundation"),
    "extract.cache": (0, "foundation"),
    "extract.text": (1, "text"),
    "extract.text.scan": (1, "text"),
    "extract.geo": (2, "geo"),
    "extract.reading": (3, "reading"),
    "extract.matching": (3, "matching"),
    "extract.articles": (4, "sources and storage"),
    "extract.pages": (4, "sources and storage"),
    "extract.fetching": (4, "sources and storage"),
    "extract.store": (4, "sources and storage"),
    "extract.postgres": (4, "sources and storage"),
    "extract.columnar": (4, "sources and storage"),
    "extract.selection": (4, "sources and storage"),
    "extract.exports": (4, "sources and storage"),
    "extract.pipeline": (5, "wiring"),
    "extract.events": (5, "wiring"),
    "extract.explain": (5, "wiring"),
    "extract.policeuk": (5, "wiring"),
    "extract.feeds": (5, "wiring"),
    "extract.parallel": (5, "wiring"),
    "extract.cluster": (5, "wiring"),
    "extract.corrections": (5, "wiring"),
    "extract.evaluation": (6, "entry points"),
    "extract.__main__": (6, "entry points"),
    "dashboard": (7, "dashboard"),
    "dashboard.events_view": (7, "dashboard"),
}


def module_files() -> dict[str, Path]:
    """Every module of the packages by dotted name; the two empty package roots are left out."""
    files = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            if name not in PACKAGES:
                files[name] = path
    return files


MODULES = module_files()


def layer(module: str) -> tuple[int, str] | None:
    """The LAYERS entry of the module or of its nearest listed package."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in LAYERS:
            return LAYERS[".".join(parts[:n])]
    return None


def imported_modules(module: str, source: str) -> list[str]:
    """The project modules `source` imports anywhere (top level, functions, TYPE_CHECKING blocks), in order."""
    package = module if MODULES.get(module, Path()).name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from . import x` in a module of extract.geo is extract.geo.x
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # `from extract import store` imports the module extract.store; `from extract.store import x` imports
            # extract.store.
            found += [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    return [name for name in dict.fromkeys(found) if name.split(".")[0] in PACKAGES and name not in PACKAGES]


def layer_violations(module: str, source: str) -> list[str]:
    """One message per import of a module in a higher layer than `module`'s."""
    rank, name = layer(module) or (None, None)
    messages = []
    for target in imported_modules(module, source):
        target_layer = layer(target)
        if rank is not None and target_layer is not None and target_layer[0] > rank:
            messages.append(
                f"{module} (layer {rank}, {name}) imports {target} (layer {target_layer[0]}, {target_layer[1]}): "
                "layers import downward only"
            )
    return messages


def readme_layout_paths() -> list[str]:
    """The backticked paths in the first column of the README's layout table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [path for row in rows for path in re.findall(r"`([^`]+)`", row.split("|")[1])]


def test_every_module_has_a_layer():
    assert [m for m in MODULES if layer(m) is None] == [], "give these modules a rank in LAYERS"


def test_every_layer_names_a_module():
    assert [name for name in LAYERS if not any(m == name or m.startswith(name + ".") for m in MODULES)] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_layers_import_downward_only(module):
    assert layer_violations(module, MODULES[module].read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "module, source",
    [
        ("extract.text.cues", "from extract.text.folding import fold_text"),
        ("extract.text.cues", "from extract.records import Mention\nfrom extract import datafiles"),
        ("extract.geo.places", "from extract.text import spans\nimport extract.records"),
        ("extract.geo.places", "from . import names\nfrom .gazetteer import Gazetteer"),
        ("extract.pipeline", "def f():\n    from extract import store, articles"),
        ("dashboard.app", "from extract.pipeline import ingest_paths\nfrom dashboard import maps"),
        ("extract.store", "import json\nimport pandas as pd"),
    ],
)
def test_layer_violations_none(module, source):
    assert layer_violations(module, source) == []


@pytest.mark.parametrize(
    "module, source, message",
    [
        (
            "extract.text.cues",
            "from extract.geo.names import name_key",
            "extract.text.cues (layer 1, text) imports extract.geo.names (layer 2, geo)",
        ),
        (
            "extract.text.cues",
            "from ..geo import places",
            "extract.text.cues (layer 1, text) imports extract.geo.places (layer 2, geo)",
        ),
        (
            "extract.geo.places",
            "def f():\n    from extract import pipeline",
            "extract.geo.places (layer 2, geo) imports extract.pipeline (layer 5, wiring)",
        ),
        (
            "extract.store",
            "import dashboard.filters",
            "extract.store (layer 4, sources and storage) imports dashboard.filters (layer 7, dashboard)",
        ),
        (
            "extract.records",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from extract.reading.story import Story",
            "extract.records (layer 0, foundation) imports extract.reading.story (layer 3, reading)",
        ),
    ],
)
def test_layer_violations(module, source, message):
    assert layer_violations(module, source) == [message + ": layers import downward only"]


def test_readme_layout_names_every_module():
    listed = {path for path in readme_layout_paths() if path.endswith(".py")}
    present = {path.relative_to(ROOT).as_posix() for path in MODULES.values() if path.name != "__init__.py"}
    assert sorted(present - listed) == [], "add these modules to the README layout table, one line each"
    assert sorted(listed - present) == [], "the README layout table lists modules that do not exist"


def test_readme_layout_paths_exist():
    assert [path for path in readme_layout_paths() if not (ROOT / path).exists()] == []


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "benchmarks").glob("*.py")))
def test_every_benchmark_says_how_to_run_it(script):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: "), done.stdout  # the help, not a run
