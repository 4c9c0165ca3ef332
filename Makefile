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
	$(VENV)/bin/mypy  # programs/ and backend/, strict on programs/ (pyproject.toml [tool.mypy])
	$(VENV)/bin/python -m pytest -n 2  # one worker per core: the suite is mostly Textual rendering

clean:
	rm -rf $(VENV)
