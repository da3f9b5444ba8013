# Thin wrappers: the logic lives in coursetools/ and nbgrader_config.py.
VENV := .venv
STAMP := $(VENV)/.installed
# nbgrader runs alembic by name when it creates a gradebook: the venv's bin/ must be on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
ASSIGNMENTS := $(notdir $(wildcard source/*))

.PHONY: demo test release autograde feedback grades bundle similarity report export-lms

$(STAMP): pyproject.toml
	command -v bwrap >/dev/null || (apt-get update -qq && apt-get install -y -qq bubblewrap)  # grading sandbox
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq postgresql)  # the PostgreSQL gradebook test
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)  # the browser test (Playwright drives it)
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP)
	python -m coursetools demo

# Two test workers on two cores: one BLAS thread each, or they fight over the cores. Each test file runs on
# one worker, in the order of collection (tests/conftest.py puts the modules that grade through nbgrader first).
test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --nbval-lax tests source

release: $(STAMP)
	for a in $(ASSIGNMENTS); do nbgrader generate_assignment $$a --force || exit 1; done

# In parallel on a local Dask cluster, one worker per core (WORKERS=N to choose), or on an existing cluster
# (SCHEDULER=tcp://host:8786); only submissions changed since they were graded (FORCE=1: all).
autograde: $(STAMP)
	python -m coursetools autograde $(ASSIGNMENTS) $(if $(WORKERS),--workers $(WORKERS)) \
		$(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(FORCE),--force)

feedback: $(STAMP)
	for a in $(ASSIGNMENTS); do nbgrader generate_feedback $$a --force || exit 1; done

grades: $(STAMP)
	nbgrader export --to grades.csv
	python -m coursetools scores grades.csv

# What students are handed: release notebooks and nclib's given modules, installable on their own.
bundle: $(STAMP)
	python -m coursetools bundle student_bundle

# Pairs of submissions of one assignment ranked by code similarity: reports/$(ASSIGNMENT)/similarity.html and .csv
similarity: $(STAMP)
	$(if $(ASSIGNMENT),,$(error name the assignment: make similarity ASSIGNMENT=two_layer_net))
	python -m coursetools similarity $(ASSIGNMENT)

# After grading: item analysis of every graded assignment (reports/<assignment>/index.html), and grades for
# Canvas and Gradescope in exports/ from a roster (ROSTER=roster.csv; its format is in the README).
report: $(STAMP)
	python -m coursetools report

ROSTER ?= roster.csv
export-lms: $(STAMP)
	python -m coursetools export-lms --roster $(ROSTER)
