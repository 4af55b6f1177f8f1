# Member suite for Odoo 19: `make demo` to try it, `make test` to test it.
# Everything is done by scripts/suite.py and its modules in scripts/harness/;
# `python3 scripts/suite.py --help` lists its commands.
# Settings (environment or make variables, e.g. `make test KEEP_DB=1`): see README.md, "Harness".

PYTHON ?= python3
SUITE := $(PYTHON) scripts/suite.py
SCREENSHOT_URL ?= http://localhost:8069
SCREENSHOT_DB ?= member_demo

.PHONY: help demo demo-reset demo-install test check addons conf clean-dbs screenshots lint format

help:
	@echo "make demo         create (or update) the demo database member_demo and serve it on http://localhost:8069 (admin/admin)"
	@echo "make demo-reset   drop the demo database, recreate it with fresh demo data, serve it"
	@echo "make demo-install create or update the demo database without starting the server"
	@echo "make test         install every addon on a fresh database and run all tests; last line: N passed, M failed"
	@echo "make screenshots  README screenshots from the running demo (start 'make demo' first)"
	@echo "make check        check Odoo 19, PostgreSQL, Python requirements and Chromium"
	@echo "make addons       list the addons of the suite"
	@echo "make conf         write the effective Odoo configuration .run/odoo.conf"
	@echo "make clean-dbs    drop leftover member_test_* databases"
	@echo "make lint         ruff check + ruff format --check"

demo:
	$(SUITE) demo

demo-reset:
	$(SUITE) demo --reset

demo-install:
	$(SUITE) demo --no-serve

test:
	$(SUITE) test

check:
	$(SUITE) check

addons:
	@$(SUITE) addons

conf:
	$(SUITE) conf

clean-dbs:
	$(SUITE) clean-dbs

screenshots:
	$(PYTHON) scripts/screenshots.py --url $(SCREENSHOT_URL) --db $(SCREENSHOT_DB)
	$(PYTHON) scripts/screenshots.py --url $(SCREENSHOT_URL) --db $(SCREENSHOT_DB) \
		--login member01 --password member01 --width 375 --height 812 \
		--shot portal_ecard.png=/my/member --shot portal_history.png=/my/member/history \
		--shot portal_bookings.png=/my/member/bookings

lint:
	ruff check .
	ruff format --check .

format:
	ruff check --fix .
	ruff format .
