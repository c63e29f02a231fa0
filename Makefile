# Cross-Tracking: one-command set-up, demo and tests. Everything runs inside .venv (created from uv.lock).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

# The demo: synthetic extracts at DEMO_SCALE (1.0 = the real system's size), cohort windows relative to AS_OF.
DEMO_SCALE ?= 0.1
SEED ?= 20170101
AS_OF ?= 2026-07-01
DATA ?= data/demo
WAREHOUSE ?= warehouse/crosstrack.duckdb
PUBLISHED ?= warehouse/public
# The docs site (make docs) and the disclosure audit's recorded output, which the site shows (make audit).
# DBT_TARGET: the dbt target folder of the build the site documents (another build's, e.g. a bench run's).
SITE ?= site
DBT_TARGET ?= target
AUDIT_OUTPUT ?= $(DBT_TARGET)/disclosure_audit.txt

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
# Python caches the bytecode of what it imports (in .venv and __pycache__/, both git-ignored) even where the calling
# environment says not to: otherwise every process (pytest, sqlfluff, each dbt run of the tests) compiles dbt, pandas
# and the rest from source again, seconds of CPU each time.
unexport PYTHONDONTWRITEBYTECODE
DBT := $(BIN)/dbt
DBT_FLAGS := --profiles-dir . --project-dir .

# The dashboards' charting library (Vega-Lite with vega-embed), pinned in package.json / package-lock.json and
# copied from the npm registry's packages into the API's static folder (git-ignored): nothing from a CDN at run time.
# vega-interpreter ships as an ES module only: esbuild bundles it into one script, so that charts evaluate their
# expressions without eval and the page's Content-Security-Policy needs no 'unsafe-eval'.
NPM ?= npm
VENDOR := crosstrack/api/static/vendor
VENDOR_FILES := vega.min.js vega-lite.min.js vega-embed.min.js vega-interpreter.min.js

.PHONY: help setup demo docs test lint format render bench bench-api audit utility serve browser clean linkage-report

help:
	@echo "make demo   set up, generate synthetic extracts (scale $(DEMO_SCALE)), validate, build, document"
	@echo "make test   set up, lint SQL and Python, run pytest (including a small-scale dbt build)"
	@echo "make bench  time each stage (wall, CPU, floor, steal) and the slowest dbt models, median of 3 runs"
	@echo "            (BENCH_SCALE=1.0, BENCH_RUNS=3, BENCH_DATA=DIR reuses a delivery, BENCH_STAGES=gate,dbt,... runs"
	@echo "            some stages only)"
	@echo "make docs   the docs site into $(SITE)/ (after make demo): narrative, dbt docs, the latest build's reports"
	@echo "make serve  run the API and the query builder on http://127.0.0.1:8000 (after make demo)"
	@echo "make linkage-report  splink against the deterministic rules, measured against the truth (LINKAGE_SCALE=0.1)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

# A DuckDB 1.x client in an environment of its own: the test that the published file opens in DuckDB 1.x
# (tests/python/test_duckdb1_compat.py) runs its interpreter, as a BI tool's driver would open the file.
DUCKDB1_VERSION := 1.5.6
DUCKDB1 := $(TOOLS)/duckdb1

$(DUCKDB1)/.installed-$(DUCKDB1_VERSION): $(UV)
	$(UV) venv --quiet --allow-existing $(DUCKDB1)
	$(UV) pip install --quiet --python $(DUCKDB1)/bin/python duckdb==$(DUCKDB1_VERSION)
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error

$(VENDOR)/.vendored: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/vega/build/vega.min.js node_modules/vega-lite/build/vega-lite.min.js \
		node_modules/vega-embed/build/vega-embed.min.js $(VENDOR)/
	node_modules/.bin/esbuild node_modules/vega-interpreter/build/vega-interpreter.js --bundle --format=iife \
		--global-name=vegaInterpreter --minify --log-level=warning --outfile=$(VENDOR)/vega-interpreter.min.js
	@for file in $(VENDOR_FILES); do \
		test -s $(VENDOR)/$$file || { echo "setup: $(VENDOR)/$$file is missing after npm ci" >&2; exit 1; }; \
	done
	@touch $@

setup: $(VENV)/.synced $(DUCKDB1)/.installed-$(DUCKDB1_VERSION) $(VENDOR)/.vendored

demo: setup
	$(BIN)/crosstrack secret init
	rm -rf $(DATA)
	$(BIN)/crosstrack generate --scale $(DEMO_SCALE) --seed $(SEED) --as-of $(AS_OF) --out $(DATA)
	$(BIN)/crosstrack build --landing $(DATA)/landing --quality-dir $(DATA)/quality --as-of $(AS_OF) \
		--warehouse $(WAREHOUSE) --publish-dir $(PUBLISHED)
	$(MAKE) --no-print-directory docs
	$(BIN)/python -m crosstrack.summary --warehouse $(WAREHOUSE) --data $(DATA) --docs target --published $(PUBLISHED) \
		--site $(SITE)

# The docs site (crosstrack/docs_site.py, mkdocs.yml): opens from disk or served; built beside and moved into place.
docs: setup
	$(BIN)/python -m crosstrack.docs_site --target $(DBT_TARGET) --quality-dir $(DATA)/quality \
		--public-db $(PUBLISHED)/crosstrack_public.duckdb --audit $(AUDIT_OUTPUT) --out $(SITE)

test: setup lint browser
	$(BIN)/pytest

# Debian's chromium, for the query-page browser test.
browser:
	@bash scripts/ensure_chromium.sh

# sqlfluff lints every file on every core (--processes 0): dbt renders the files in the main process, a pool of
# processes lints them.
lint: setup
	$(BIN)/crosstrack contract check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint --processes 0 models tests analyses

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix models tests analyses

# Every generated file (dbt sources and staging models, data dictionary, public_cubes() macro, public models'
# YAML) from its declarative source; `crosstrack contract check` in lint fails when one differs.
render: setup
	$(BIN)/crosstrack contract render

bench: setup
	$(BIN)/crosstrack secret init
	$(BIN)/python scripts/bench_build.py --scale $${BENCH_SCALE:-1.0} --runs $${BENCH_RUNS:-3} \
		$${BENCH_DATA:+--data $$BENCH_DATA} $${BENCH_STAGES:+--stages $$BENCH_STAGES}

# Load on the API: clients for a duration on mixed queries (2% of them the largest answers) against the published
# release, served with crosstrack serve's default workers. BENCH_API_CLIENTS=100 for the crowd, BENCH_API_DURATION=600
# for a soak (memory growth), BENCH_API_ARGS for any other option of scripts/bench_api.py.
bench-api: setup
	$(BIN)/python scripts/bench_api.py --public-db $(PUBLISHED)/crosstrack_public.duckdb \
		--clients $${BENCH_API_CLIENTS:-20} --duration $${BENCH_API_DURATION:-30} $${BENCH_API_ARGS}

# Record linkage against the generator's truth (docs/identity.md, "Measured"): a legacy and a default delivery at
# LINKAGE_SCALE, each linked with the deterministic rules and with splink. Scale 1.0 under `flock /tmp/scale1.lock`.
# LINKAGE_ARGS=--cohorts also compares the five cohort marts (rows, 3-year reincarceration rate) with the truth.
LINKAGE_SCALE ?= 0.1
LINKAGE_DIR ?= /tmp/crosstrack-linkage
linkage-report: setup
	$(BIN)/crosstrack secret init
	for profile in legacy default; do \
		$(BIN)/crosstrack generate --scale $(LINKAGE_SCALE) --seed $(SEED) --as-of $(AS_OF) --profile $$profile \
			--out $(LINKAGE_DIR)/$$profile --force || exit 1; \
	done
	$(BIN)/python scripts/linkage_report.py --data $(LINKAGE_DIR)/legacy --data $(LINKAGE_DIR)/default \
		--as-of $(AS_OF) --work $(LINKAGE_DIR)/work --out $(LINKAGE_DIR)/linkage_report.json $${LINKAGE_ARGS}

# Disclosure audit of the published release (docs/public_layer.md).
# Its output is kept in $(AUDIT_OUTPUT) for the docs site.
audit: setup
	@mkdir -p $(dir $(AUDIT_OUTPUT))
	set -o pipefail; $(BIN)/python scripts/audit_disclosure.py --warehouse $(WAREHOUSE) \
		--public $(PUBLISHED)/crosstrack_public.duckdb | tee $(AUDIT_OUTPUT)

# Utility of the published release: share of cells shown and relative error, per cube and metric.
utility: setup
	$(BIN)/python scripts/measure_utility.py --warehouse $(WAREHOUSE) --public $(PUBLISHED)/crosstrack_public.duckdb

serve: setup
	$(BIN)/crosstrack serve --public-db $(PUBLISHED)/crosstrack_public.duckdb --warehouse $(WAREHOUSE)

clean:
	rm -rf $(VENV) $(TOOLS) target logs data warehouse/*.duckdb* $(SITE) node_modules $(VENDOR)
