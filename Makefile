# Two commands for a fresh machine:  `make run`  and  `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# The test suite runs on the machine's real PostgreSQL and Redis unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/onmt_portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379

.PHONY: install run prepare worker beat prod test lint format bench audit lock

# Exactly the locked set, every file checked against its hash (pip-sync removes what the lock no longer holds).
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(VENV)/bin/pip-sync --quiet --pip-args "--require-hashes" requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Embedded portal: SQLite, Celery eager, e-mails written to var/mail/, demo data.
# Links in e-mails and the printed logins point at the address served.
run prepare: export SITE_URL ?= http://$(HOST):$(PORT)
prepare: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py load_demo_data

run: prepare
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production shape (needs DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL, DJANGO_SECRET_KEY…).
worker: install
	$(VENV)/bin/celery -A onmt_portal worker --loglevel=info --concurrency=2

beat: install
	$(VENV)/bin/celery -A onmt_portal beat --loglevel=info --schedule=var/celerybeat-schedule

prod: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
	$(PY) manage.py collectstatic --noinput -v 0
	$(VENV)/bin/honcho start -f Procfile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Known vulnerabilities in the pinned run-time requirements (needs the PyPI JSON API or OSV to answer).
# --strict: a package the service could not look up fails the audit instead of passing as "no known vulnerability".
audit: install
	$(VENV)/bin/pip-audit --strict --requirement requirements.txt --vulnerability-service $${AUDIT_SERVICE:-osv}

# BENCH_ONLY: the cases to run, among pages, invitations and spike (all by default).
bench: install
	bash bench/run $(BENCH_ONLY)

# After editing requirements.in or requirements-dev.in: every package pinned again, with its hashes.
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: install
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --output-file requirements.txt requirements.in
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --output-file requirements-dev.txt requirements-dev.in

test: install
	$(PY) scripts/check_lock.py --installed
	bash scripts/install-test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_REDIS_URL)/0} \
		CACHE_URL=$${CACHE_URL:-$(TEST_REDIS_URL)/1} $(VENV)/bin/pytest $(PYTEST_ARGS)
