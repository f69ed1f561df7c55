# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run serve test lint install translations extract-messages bench clean

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

install: $(BIN)/activate

# Compiled catalogs (.mo) are build output: made from the committed .po files on every run.
translations: install
	$(BIN)/pybabel -q compile -d translations

# After changing user-visible strings: refresh messages.pot and both catalogs, then translate.
extract-messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_pgettext:1c,2 -k _lp:1c,2 --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations

run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask demo accounts
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Production: migrate, then gunicorn (gunicorn.conf.py: WEB_CONCURRENCY workers, BIND, access log on
# stdout; SIGHUP reloads the workers gracefully). PRODUCTION=1 refuses an unsafe configuration.
serve: install translations
	PRODUCTION=1 $(BIN)/flask db upgrade
	PRODUCTION=1 exec $(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

test: install translations
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/serve.py

clean:
	rm -rf $(VENV) instance/*.sqlite3
