# itops: `make run` starts the platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test install assets lint format check-migrations bench clean

run: install ## Install, build assets, migrate, seed once, start web + worker + beat
	$(PY) manage.py run_platform

test: install ## The whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "itops needs Python 3.11 or newer (make PYTHON=python3.12 ...)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "itops needs Node.js 20+ and npm to build its front-end assets"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

itops/static/vendor/.built: node_modules/.installed scripts/build-assets.mjs
	npm run --silent build
	touch $@

assets: $(VENV)/.installed itops/static/vendor/.built
	$(PY) manage.py collectstatic --noinput -v0

lint: $(VENV)/.installed ## ruff, formatting and migrations up to date
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## Run every benchmark (they print their figures)
	for script in bench/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules itops/static/vendor var
