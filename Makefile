# aeeval — the two commands in README.md: `make demo` and `make test`.
# Both create .venv when it is missing, install the package, and install the system PDF dependency
# (Debian's chromium, plus poppler-utils for reading PDFs back) when it is missing and we can.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
APT_PACKAGES = chromium poppler-utils fonts-dejavu-core

.PHONY: setup system-deps demo test docs lab examples clean-reports bench

setup: $(VENV)/.installed system-deps

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name aeeval --display-name "Python (aeeval)" >/dev/null
	touch $@

# JupyterLab is the `lab` extra, not a runtime dependency: `make lab` needs it, and so does
# `make test` (tests/test_lab.py starts the server as `make lab` does).
$(VENV)/.lab-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	touch $@

# Chromium prints the PDFs; pdftotext reads them back for the disclosure gate (and, with pdftoppm, in tests).
system-deps:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "$$AEEVAL_CHROMIUM" ]; then \
	  if command -v pdftotext >/dev/null 2>&1; then exit 0; fi; fi; \
	if command -v apt-get >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else \
	    echo "aeeval: Chromium or poppler-utils is missing and this user cannot install them."; \
	    echo "        Run: sudo apt-get install $(APT_PACKAGES)   (see README.md for other systems)"; exit 1; fi; \
	  echo "aeeval: installing $(APT_PACKAGES) with apt-get"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	else \
	  echo "aeeval: no apt-get here. Install Chromium (or Google Chrome) and poppler yourself and set"; \
	  echo "        AEEVAL_CHROMIUM=/path/to/chrome if it is not on PATH (see README.md)."; exit 1; \
	fi

# Every cohort's evaluation report plus each analysis notebook, in parallel (notebooks/demo.yml).
demo: setup
	$(BIN)/aeeval build notebooks/demo.yml
	@echo "Demo reports: reports/demo/ (evaluation/cohort-N/report.pdf for each cohort)"

test: setup $(VENV)/.lab-installed
	$(BIN)/ruff check aeeval tests benchmarks setup.py docs/conf.py
	$(BIN)/ruff format --check aeeval tests benchmarks setup.py docs/conf.py
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory docs

# The documentation site (docs/ → docs/_build/html), warnings as errors; the notebook gallery is
# executed with the aeeval kernel while it builds. -E: every page is read again, so that a
# warning of an unchanged page still fails the build and the gallery shows this code's outputs.
# No network needed.
$(VENV)/.docs-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

docs: setup $(VENV)/.docs-installed
	$(BIN)/sphinx-build -E -W --keep-going -q -b html docs docs/_build/html
	@echo "Documentation: docs/_build/html/index.html"

lab: setup $(VENV)/.lab-installed
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

examples: setup
	$(BIN)/python -m aeeval.datasets data/examples --qi-outdir data/qi-examples

bench: setup
	$(BIN)/python benchmarks/bench_survey.py --repeat 3
	$(BIN)/python benchmarks/bench_reports.py --repeat 5

clean-reports:
	find reports -mindepth 1 -not -name README.md -delete
