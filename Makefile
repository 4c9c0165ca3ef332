# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test bench clean lock

# requirements.lock is the one exact set (runtime + dev); pyproject.toml holds the ranges it was resolved from.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps -e .
	$(VENV)/bin/python -m pip check
	touch $(STAMP)

# Re-resolve the ranges in pyproject.toml (with the dev extra) in a throwaway venv and pin the result.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	.lock-venv/bin/python -m pip check
	{ echo '# The exact, tested set of every package `make` installs (runtime + dev). Ranges live in pyproject.toml.'; \
	  echo '# Regenerate with `make lock` after changing a range there; never edit by hand.'; \
	  .lock-venv/bin/python -m pip freeze --exclude quantdesk-tui | grep -v '^#'; } > requirements.lock
	rm -rf .lock-venv

run: $(STAMP)
	$(VENV)/bin/quantdesk

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# mypy (programs/ and backend/, strict on programs/: pyproject.toml [tool.mypy]) runs beside pytest,
	@# whose two workers leave about a core's worth of time idle waiting on sockets and timers
	$(VENV)/bin/mypy & mypy=$$!; \
	$(VENV)/bin/python -m pytest -n 2; tests=$$?; \
	wait $$mypy; types=$$?; \
	if [ $$types -ne 0 ]; then echo "mypy found type errors (above)" >&2; fi; \
	if [ $$tests -ne 0 ]; then exit $$tests; fi; exit $$types

clean:
	rm -rf $(VENV)
