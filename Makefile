# mmposenas: `make demo` runs the main job (part-aware 3D NAS on the generated
# proxy figures), `make demo-2d` the 2D DARTS chain on the shipped COCO sample,
# `make test` the test suite. Each creates/updates the project-local .venv first
# (tools/setup_env.sh; a no-op in well under a second once it is up to date).
PY := .venv/bin/python
# Two pytest workers (pytest-xdist), one per core; each test process uses one
# OpenMP thread (tests/conftest.py). PYTEST_ARGS adds options, e.g.
# `make test PYTEST_ARGS="-m 'not slow' -k resume"`; TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: setup demo demo-2d test clean

setup:
	@bash tools/setup_env.sh

demo: setup
	@bash demo/run_part_aware_chain.sh

demo-2d: setup
	@bash demo/run_search_chain.sh

test: setup
	@$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

clean:
	rm -rf work_dirs .pytest_cache
