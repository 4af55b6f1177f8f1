"""tests/bench holds benchmark scripts, not tests: pytest collects nothing here.

Run them by hand (see member_wallet/readme/BENCHMARKS.md); they need a running
PostgreSQL, Odoo 19 and minutes of machine time.
"""

collect_ignore_glob = ["*.py"]
