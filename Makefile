# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app grants
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev translations translations-update migrate seed bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d translations --use-fuzzy

# For developers after changing user-facing text: refresh the catalogue, then translate translations/ar.
translations-update: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

run: install translations seed
	$(FLASK) run --host $(HOST) --port $(PORT)

PYTEST_ARGS ?= -n auto

test: install-dev translations
	$(PY) -m pytest $(PYTEST_ARGS)

# Timings at N applications on SQLite and PostgreSQL (DATABASES=sqlite for one); figures go to bench/RESULTS.md.
N ?= 20000
DATABASES ?= sqlite,postgresql

bench: install-dev translations
	$(PY) -m bench --applications $(N) --databases $(DATABASES) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/*.db translations/*/LC_MESSAGES/*.mo .pytest_cache
