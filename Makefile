# tierbook: `make report` and `make test` are all a newcomer needs; the rest shows how the project is worked.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= reports

.PHONY: report watch test test-fast lint bench bench-quick samples picture golden catalogs system-deps clean help

help:
	@echo "make report     analyse every workbook in inbox/ (or sample_workbooks/ when inbox/ has none) into $(OUT)/"
	@echo "make watch      report each workbook dropped into inbox/ as it arrives (Ctrl-C stops)"
	@echo "make test       install what the tests need (LibreOffice, Chromium too) and run every test"
	@echo "make test-fast  the unit and property tests only, in seconds"
	@echo "make lint       ruff and mypy"
	@echo "make bench      time tierbook against the xlsxwriter and Rust I/O floors and a naive baseline, and over a 20,000-client long tail (BENCH_SIZES, BENCH_RUNS)"
	@echo "make bench-quick  the 10k ledger once per tool, then check the reports are right (never the times)"
	@echo "make samples    regenerate sample_workbooks/ from scripts/make_samples.py"
	@echo "make picture    regenerate docs/summary.png and docs/briefing.png (LibreOffice, Chromium)"
	@echo "make golden     refresh the snapshots in tests/golden/ (briefings, inspect) after a deliberate change"
	@echo "make catalogs   extract messages into pipeline/locale/tierbook.pot, update and compile every language"
	@echo "make clean      remove the virtualenv, reports and caches"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

# The package's modules compiled once, not at every run: where PYTHONDONTWRITEBYTECODE is set
# (as on our machines) Python never keeps what it compiles, and compiling tierbook's modules
# took about 0.19 s of every report. Python still checks each file's time, so an edited module
# is compiled afresh until the next make.
$(VENV)/.compiled: $(shell find pipeline -name '*.py') $(VENV)/.installed
	$(BIN)/python -m compileall -q pipeline
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
	touch $@

# What counts as an input is tierbook's own rule (tierbook inputs), the same as report and watch use.
report: $(VENV)/.compiled
	@mkdir -p inbox
	@if [ -n "$$($(BIN)/tierbook inputs inbox)" ]; then \
		src=inbox; \
	else \
		echo "inbox/ holds no workbook or export: reporting on sample_workbooks/"; src=sample_workbooks; \
	fi; \
	$(BIN)/tierbook report "$$src" --out "$(OUT)" --jobs 0

watch: $(VENV)/.compiled
	@mkdir -p inbox
	$(BIN)/tierbook watch inbox --out "$(OUT)"

system-deps:
	@sh scripts/system-deps.sh

test: $(VENV)/.installed-test $(VENV)/.compiled system-deps
	$(BIN)/python -m pytest

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not slow" -q

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	touch $@

bench: $(VENV)/.installed-bench $(VENV)/.compiled
	$(BIN)/python bench/run.py

# CI's bench: the 10k workbook once per tool, then a check that the reports are right (never timed).
bench-quick: $(VENV)/.installed-bench $(VENV)/.compiled
	$(BIN)/python bench/run.py --quick

lint: $(VENV)/.installed-test
	$(BIN)/ruff check pipeline tests scripts templates bench
	$(BIN)/ruff format --check pipeline tests scripts templates bench
	$(BIN)/mypy pipeline

$(VENV)/.installed-samples: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[samples]'
	touch $@

samples: $(VENV)/.installed-samples
	$(BIN)/python scripts/make_samples.py

picture: $(VENV)/.installed-test system-deps
	sh scripts/summary_picture.sh
	$(BIN)/python scripts/briefing_picture.py

golden: $(VENV)/.installed-test
	TIERBOOK_UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/test_briefing.py tests/test_exports.py tests/test_end_to_end.py -q -k golden

LOCALE := pipeline/locale
catalogs: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _ -k n_:1,2 -c NOTE: --no-wrap --sort-by-file \
		--project tierbook --omit-header -o $(LOCALE)/tierbook.pot .
	$(BIN)/pybabel update -i $(LOCALE)/tierbook.pot -d $(LOCALE) -D tierbook --no-wrap --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d $(LOCALE) -D tierbook --statistics

clean:
	rm -rf $(VENV) $(OUT) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
