"""The harness of the member suite: what `make demo` and `make test` do.

scripts/suite.py is its command line; scripts/i18n_update.py and the benchmarks of
tests/bench use it too. Only the standard library is needed to import it; psycopg2 (an
Odoo requirement) is imported once Odoo has been found.

Its modules, each using only those listed before it:

  common     the repository's paths, console output, HarnessError (what stops a run)
  odoo_env   finding Odoo 19, the addons of the suite, the addons path, the settings
             (odoo.conf and the environment) and the effective configuration file
  postgres   connecting to PostgreSQL: databases and the state of their modules
  provision  making a run ready: PostgreSQL started and its role, Python requirements,
             Chromium; prepare() gives the Context the commands work with
  logscan    reading Odoo's log: records, install failures, failing tests, test counts
  runner     running Odoo: its command line, a process of its own, a run whose log is read
             as it comes (run_odoo), stopping it, free ports
  phases     `make test`: the four phases (the chaos drill one of them), their counts and
             the summary with its last line
  demo       `make demo`: create or update the demo database, then serve it
"""
