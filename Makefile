# Two entry points for a fresh machine: `make run` (dashboard on the embedded data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
PACKAGES := extract dashboard

.PHONY: install run test check lint fuzz chromium postgis gazetteer evaluate benchmarks watch clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# The browser test drives Debian's chromium; Playwright never downloads a browser of its own.
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null)

# Local editing on: whoever opens this server edits (README, "Editors"); a plain `streamlit run` is read-only.
run: $(VENV)/.installed
	CRIMEMAP_LOCAL_EDITING=1 $(VENV)/bin/streamlit run dashboard/serve.py --server.port $(PORT) --server.headless true

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check $(PACKAGES) tests benchmarks
	$(VENV)/bin/ruff format --check $(PACKAGES) tests benchmarks
	$(VENV)/bin/mypy

# The fast inner loop: lint, then every test not marked slow.
check: lint
	$(PY) -m pytest -q -m "not slow"

# Ten thousand examples per property of tests/test_fuzz.py; `make test` and `make check` run a bounded number.
fuzz: $(VENV)/.installed
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/test_fuzz.py --hypothesis-show-statistics

# The store's tests start a throwaway PostgreSQL server (tests/postgres_server.py); Debian's PostgreSQL 15 with PostGIS.
postgis:
	@test -f /usr/share/postgresql/15/extension/postgis.control || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-postgis-3 >/dev/null)

test: $(VENV)/.installed chromium postgis lint
	$(PY) -m pytest -q

# Regenerates the committed gazetteer under data/ from the team's raw open data.
gazetteer: $(VENV)/.installed
	$(VENV)/bin/crimemap gazetteer build --source ../shared/data/london

evaluate: $(VENV)/.installed
	$(VENV)/bin/crimemap evaluate --gold ../shared/data/news-dev/gold.jsonl ../shared/data/news-dev/articles.jsonl
	$(VENV)/bin/crimemap evaluate-phrasing
	$(VENV)/bin/crimemap evaluate-phrasing data/evaluation/phrasing_holdout
	$(VENV)/bin/crimemap evaluate-phrasing data/evaluation/phrasing_apart
	$(VENV)/bin/crimemap evaluate-phrasing data/evaluation/phrasing_unseen
	$(VENV)/bin/crimemap evaluate-phrasing data/evaluation/phrasing_probe
	$(VENV)/bin/crimemap evaluate --gold data/evaluation/articles_apart/gold.jsonl data/evaluation/articles_apart/articles.jsonl
	$(VENV)/bin/crimemap evaluate --gold data/evaluation/articles_unseen/gold.jsonl data/evaluation/articles_unseen/articles.jsonl
	$(VENV)/bin/crimemap evaluate-events --gold ../shared/data/news-dedup-dev/gold.jsonl ../shared/data/news-dedup-dev/articles.jsonl
	$(VENV)/bin/crimemap evaluate-events --gold data/evaluation/events_apart/gold.jsonl data/evaluation/events_apart/articles.jsonl
	$(VENV)/bin/crimemap evaluate-events --gold data/evaluation/events_probe/gold.jsonl data/evaluation/events_probe/articles.jsonl
	$(PY) -m extract.evaluation.geoparse_bench ../shared/data/geoparse-bench/london_bbox_toponyms.jsonl
	$(PY) -m extract.evaluation.corpus_check ../shared/data/geoparse-bench/lgl.xml.gz ../shared/data/geoparse-bench/GWN.xml.gz \
		../shared/data/geoparse-bench/TR-News.xml.gz ../shared/data/geoparse-bench/GeoVirus.xml.gz

# Polls the feeds of data/feeds.csv every 15 minutes until Ctrl-C; the sites must be told who is asking:
# make watch USER_AGENT="crimemap (you@example.org)"
watch: $(VENV)/.installed
	@test -n "$(USER_AGENT)" || (echo 'usage: make watch USER_AGENT="crimemap (you@example.org)"' >&2; exit 2)
	$(VENV)/bin/crimemap watch --every 15m --user-agent "$(USER_AGENT)"

benchmarks: $(VENV)/.installed
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV)
