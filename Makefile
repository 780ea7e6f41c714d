# One target per job. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed
# every services/<name>/ with a pyproject.toml is a package <name> (nothing to edit here
# when a service is added)
SERVICE_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
PKGS   := -e shared $(addprefix -e ,$(SERVICE_DIRS))
SRC    := shared/src $(foreach d,$(SERVICE_DIRS),$(d)/$(notdir $(d)))
MYPYPATH := $(subst $(eval) ,:,shared/src $(SERVICE_DIRS))

.PHONY: install run up down test lint typecheck check docs clean

$(STAMP): shared/pyproject.toml services/*/pyproject.toml requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -c constraints.txt \
		-r requirements-dev.txt $(PKGS)
	touch $(STAMP)

install: $(STAMP)

## The whole system on the embedded default (SQLite files in var/, in-process bus).
run: install
	$(BIN)/python -m svckit.embedded --port $(PORT)

## The distributed topology natively: gunicorn APIs, relays, consumers, schedulers as
## separate processes against RabbitMQ and PostgreSQL on localhost.
up: install
	$(BIN)/python -m svckit.cluster up

down: install
	$(BIN)/python -m svckit.cluster down

## The first staff administrator (a real user, not the demo seed): `make create-admin
## ADMIN=liu.wei NAME=刘伟`; the password is asked twice (or IDENTITY_ADMIN_PASSWORD).
## Against var/identity.db, or IDENTITY_DATABASE_URL when set.
ADMIN ?= admin
NAME  ?=
.PHONY: create-admin
create-admin: install
	$(BIN)/python -m identity migrate
	$(BIN)/python -m identity create-admin --username '$(ADMIN)' --name '$(NAME)'

## Debian's Chromium and CJK fonts for the console's browser tests (tests/browser), from
## Debian's packages (Playwright's own browser download is not used).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
.PHONY: browser
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; \
	fi

## Every test; needs PostgreSQL and RabbitMQ on localhost (.ci/run starts them) and
## Chromium (`make browser`, run here).
test: install browser
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

typecheck: install
	MYPYPATH=$(MYPYPATH) $(BIN)/mypy $(SRC)

check: lint typecheck test

docs: install
	$(BIN)/python -m svckit.events.docs > docs/events.md

## Figures against same-run baselines (docs/performance.md); needs PostgreSQL, RabbitMQ,
## pgbench. `make chaos` restarts the local RabbitMQ app a few times and PostgreSQL once
## (docs/reliability.md).
.PHONY: bench chaos
bench: install
	$(BIN)/python -m bench.run_bench $(BENCH_ARGS)

chaos: install
	$(BIN)/python -m bench.run_chaos $(CHAOS_ARGS)

## The distributed-mode lab (lab/, docs/reliability.md): a three-node RabbitMQ cluster and a
## PostgreSQL primary + streaming standby on their own ports, names and folders, from the
## installed binaries; never the default broker (5672) or PostgreSQL (5432).
.PHONY: cluster-lab-up cluster-lab-down cluster-lab-status chaos-cluster
cluster-lab-up: install
	$(BIN)/python -m lab up

cluster-lab-down: install
	$(BIN)/python -m lab down

cluster-lab-status: install
	$(BIN)/python -m lab status

## faults on the lab under load: broker-node kills and a graceful stop, a database
## failover, relay/consumer kills; a ledger per fault (bench/run_chaos_cluster.py)
chaos-cluster: install
	$(BIN)/python -m bench.run_chaos_cluster $(CHAOS_ARGS)

## every service's database at one consistent cut, outbox and inbox included (svckit.backup;
## docs/reliability.md): into BACKUP_DIR (var/backup), from PG_ADMIN_URL's server
.PHONY: backup restore
backup: install
	$(BIN)/python -m svckit.backup dump

## into empty databases; the outbox events of the day before the cut are published again
restore: install
	$(BIN)/python -m svckit.backup restore

## a year of a district over the public APIs of the native topology, with an injected
## clock: 300 households, 1,500 rentals, 60 renovation cases, a recall, two stocktakes,
## volunteers (bench/simulate_year.py; docs/testing.md). SIM_ARGS=--short: two months.
.PHONY: simulate-year
simulate-year: install
	$(BIN)/python -m bench.simulate_year $(SIM_ARGS)

## schemathesis over every service's OpenAPI, with tokens of every role, against the
## distributed topology on PostgreSQL + RabbitMQ (bench/fuzz.py; docs/reliability.md).
.PHONY: fuzz
fuzz: install
	$(BIN)/python -m bench.fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
