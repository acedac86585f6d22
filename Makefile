# mmposenas: `make demo` runs the main job on the shipped samples, `make test`
# runs the test suite. Both create/update the project-local .venv first
# (tools/setup_env.sh; a no-op in well under a second once it is up to date).
PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: setup demo test clean

setup:
	@bash tools/setup_env.sh

demo: setup
	@bash demo/run_search_chain.sh

test: setup
	@$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf work_dirs .pytest_cache
