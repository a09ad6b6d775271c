# Two entry points for a fresh machine: `make run` (dashboard on the embedded data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test chromium gazetteer evaluate benchmarks clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# The browser test drives Debian's chromium; Playwright never downloads a browser of its own.
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null)

run: $(VENV)/.installed
	$(VENV)/bin/streamlit run dashboard/app.py --server.port $(PORT) --server.headless true

test: $(VENV)/.installed chromium
	$(PY) -m pytest -q

# Regenerates the committed gazetteer under data/ from the team's raw open data.
gazetteer: $(VENV)/.installed
	$(PY) -m extract.gazetteer build --source ../shared/data/london

evaluate: $(VENV)/.installed
	$(PY) -m extract evaluate --gold ../shared/data/news-dev/gold.jsonl ../shared/data/news-dev/articles.jsonl
	$(PY) -m extract.geoparse_bench ../shared/data/geoparse-bench/london_bbox_toponyms.jsonl
	$(PY) -m extract.corpus_check ../shared/data/geoparse-bench/lgl.xml.gz ../shared/data/geoparse-bench/GWN.xml.gz \
		../shared/data/geoparse-bench/TR-News.xml.gz ../shared/data/geoparse-bench/GeoVirus.xml.gz

benchmarks: $(VENV)/.installed
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV)
