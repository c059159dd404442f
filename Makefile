# Sapat: `make run` (demo server on 127.0.0.1:8080) and `make test` (the whole suite).
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test test-tools fonts webforms bench bench-export bench-sampling bench-scoring clean

$(STAMP): setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# The PDF assignment sheets need a TrueType font with Cyrillic letters (Debian's DejaVu).
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || { apt-get update -qq && apt-get install -y -qq fonts-dejavu-core; } || true

run: $(STAMP) fonts
	$(VENV)/bin/sapat init
	$(VENV)/bin/sapat demo
	@echo "Starting gunicorn on http://127.0.0.1:8080 (Ctrl-C stops it)"
	exec $(VENV)/bin/gunicorn -c server/gunicorn_conf.py server.wsgi:app

# The online questionnaires' browser bundle (ODK Web Forms), rebuilt from server/web/package-lock.json.
# Its output is committed, so neither `make run` nor `make test` needs Node.js or the npm registry.
webforms:
	server/web/build.sh

# Real tools the tests drive: Java (ODK Validate), Chromium (staff pages), PostgreSQL when selected.
test-tools:
	@command -v java >/dev/null || { apt-get update -qq && apt-get install -y -qq default-jre-headless; } || true
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver; } || true
	@$(MAKE) -s fonts
	@if [ -n "$$SAPAT_TEST_DATABASE_URL" ] && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true; fi

test: $(STAMP) test-tools
	$(PY) -m pytest

bench: $(STAMP)
	SAPAT_BENCH_DATABASE_URL=$(PG_URL) $(PY) bench/ingest.py

bench-export: $(STAMP)
	$(PY) bench/export.py

bench-sampling: $(STAMP)
	$(PY) bench/sampling.py

bench-scoring: $(STAMP)
	$(PY) bench/scoring.py --calibrate

clean:
	rm -rf $(VENV) instance *.egg-info
