# panhub: make demo | make demo-stop | make test | make bench | make lint
# make demo PROFILE=production (or PANHUB_PROFILE=production make demo): the hub's and the
# catalogue's databases in PostgreSQL, not SQLite files (README, "Site configuration")
# Run as root on Debian 12 (the demo creates Unix accounts and starts SLURM).
SHELL := /bin/bash
PANHUB_PREFIX ?= /opt/panhub
VENV := $(PANHUB_PREFIX)/venv
PY := $(VENV)/bin/python
DEMO := hub_config/demo
PROFILE ?= $(or $(PANHUB_PROFILE),demo)
export PANHUB_PREFIX

.PHONY: bootstrap slurm postgres demo demo-stop test unit bench lint

bootstrap:  ## apt, venv, npm: everything the demo and the tests need
	bash $(DEMO)/bootstrap.sh

slurm: bootstrap
	bash $(DEMO)/slurm.sh start

postgres: bootstrap
	bash $(DEMO)/postgres.sh start

demo: slurm $(if $(filter production,$(PROFILE)),postgres)  ## bring up SLURM, proxy, hub and the demo accounts on 127.0.0.1:8000
	PANHUB_PROFILE=$(PROFILE) $(VENV)/bin/panhub demo up --config hub_config/jupyterhub_config.py

demo-stop:  ## stop every daemon the demo started
	-$(VENV)/bin/panhub demo down --config hub_config/jupyterhub_config.py
	bash $(DEMO)/slurm.sh stop

test: slurm  ## the whole suite: unit tests and integration tests on the real cluster
	$(PY) -m pytest $(PYTEST_ARGS)

unit:
	$(PY) -m pytest -m "not integration" $(PYTEST_ARGS)

bench: slurm  ## benchmarks; JSON results in tests/benchmarks/results/
	set -e; for b in tests/benchmarks/bench_*.py; do echo "== $$b"; s=$$SECONDS; $(PY) $$b; \
	  echo "== $$b took $$((SECONDS - s)) s"; done

lint:  ## ruff (check, format) on the whole tree, mypy as configured, shellcheck on every script
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	shellcheck -x -P SCRIPTDIR .ci/run $$(find . -name '*.sh' -not -path './.git/*' -not -path '*/node_modules/*' | sort)
