# The two set-up commands of the README: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails, letters, PDFs and QR codes point at the address the portal is served on.
PORTAL_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install lint format check demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

STRIPE_PORT ?= 8420
CREDLY_PORT ?= 8430

# Serve the portal on the embedded defaults: SQLite, in-process tasks, e-mail to the console, a local
# Stripe (localstripe on 127.0.0.1:$(STRIPE_PORT), empty at each start) whose webhooks reach this server, and
# a local Credly stand-in (scripts/credly_server.py on 127.0.0.1:$(CREDLY_PORT), empty at each start).
run: install
	$(BIN)/python manage.py migrate --noinput
	@mkdir -p var; $(BIN)/python scripts/localstripe_server.py --port $(STRIPE_PORT) \
	    --webhook-url http://$(HOST):$(PORT)/billing/stripe/webhook/ > var/localstripe.log 2>&1 & \
	  stripe_pid=$$!; \
	  $(BIN)/python scripts/credly_server.py --port $(CREDLY_PORT) > var/credly.log 2>&1 & \
	  credly_pid=$$!; trap 'kill $$stripe_pid $$credly_pid 2>/dev/null' EXIT INT TERM; \
	  for port in $(STRIPE_PORT) $(CREDLY_PORT); do \
	    for i in $$(seq 100); do (echo > /dev/tcp/127.0.0.1/$$port) 2>/dev/null && break; sleep 0.1; done; \
	  done; \
	  echo "localstripe (test-mode card payments) on http://127.0.0.1:$(STRIPE_PORT), log in var/localstripe.log"; \
	  echo "Credly stand-in (badges) on http://127.0.0.1:$(CREDLY_PORT)/v1, log in var/credly.log"; \
	  export STRIPE_API_BASE=http://127.0.0.1:$(STRIPE_PORT) PORTAL_BASE_URL=$(PORTAL_BASE_URL) \
	    CREDLY_API_BASE=http://127.0.0.1:$(CREDLY_PORT)/v1; \
	  $(BIN)/python manage.py credential_signing_key && \
	  $(BIN)/python manage.py seed_demo && $(BIN)/python manage.py runserver $(HOST):$(PORT)

demo: install
	$(BIN)/python manage.py migrate --noinput
	PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(BIN)/python manage.py seed_demo

# The whole suite. PostgreSQL and Redis are used when reachable on 127.0.0.1 (or as DATABASE_URL and
# REDIS_URL say); tests that need them, a Celery worker or Chromium skip with a reason when absent.
test: install
	@source scripts/detect-services.sh && $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles .pytest_cache
