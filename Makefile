# 码上办 — the two commands: `make run` (demo server) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test node-test system-deps openapi bench clean

# Python keeps each module it compiles (__pycache__/, ignored by git) unless PYTHONDONTWRITEBYTECODE is set,
# as some container images do. The tests start many interpreters (two pytest workers per pass, the commands
# and servers some tests run, the Node tests' backend): without the cache each compiles every module again,
# and each pytest worker rewrites the asserts of every test file afresh, about 11 s of CPU per worker here
# (the PostgreSQL pass finds them kept by the SQLite pass).
unexport PYTHONDONTWRITEBYTECODE

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

system-deps:
	@scripts/ensure-system-deps

run: $(INSTALLED) system-deps
	@scripts/run-demo

# Two pytest workers (pytest-xdist), one per core here; on PostgreSQL each works in a database of its own
# beside the one named (tests/conftest.py). TEST_WORKERS=0 runs the suite in one process. Work stealing:
# a worker that runs out takes tests queued for the other, so the run ends with both busy to the last.
# The Node tests never use TEST_DATABASE_URL (their backend runs on a SQLite file of its own), so a second
# run on PostgreSQL would repeat the first exactly: .ci/run's PostgreSQL pass sets NODE_TESTS=0.
# Likewise the tests marked database_independent (pytest.ini) would repeat the SQLite pass exactly on
# PostgreSQL: that pass also sets DATABASE_INDEPENDENT=0.
TEST_WORKERS ?= 2
NODE_TESTS ?= 1
DATABASE_INDEPENDENT ?= 1
test: $(INSTALLED) system-deps
ifeq ($(DATABASE_INDEPENDENT),0)
	@echo "== tests marked database_independent not run (DATABASE_INDEPENDENT=0); they do not depend on the database =="
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not database_independent"
else
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal
endif
ifeq ($(NODE_TESTS),0)
	@echo "== mini-program stub: Node tests not run (NODE_TESTS=0); they do not depend on the database =="
else
	$(MAKE) --no-print-directory node-test
endif

# The mini-program stub's Node tests (unit, and end to end against the real backend); needs Node.js 20+.
node-test: $(INSTALLED)
	E2E_PYTHON=$(CURDIR)/$(BIN)/python miniprogram_stub/run-node-tests

# Rewrite the committed OpenAPI document after changing a schema or an endpoint.
openapi: $(INSTALLED)
	$(BIN)/python -m scripts.export_openapi

bench: $(INSTALLED)
	$(BIN)/python bench/import_deputies.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
