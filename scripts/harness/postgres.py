"""Connecting to PostgreSQL with the settings of the suite: databases and their modules.

Starting the server and creating the role Odoo logs in with is provision.py's part.
"""

from __future__ import annotations

import sys

from .common import fail
from .odoo_env import Settings


class Postgres:
    """The PostgreSQL server of SETTINGS; APPLICATION_NAME names its connections."""

    def __init__(self, settings: Settings, application_name: str | None = None):
        self.settings = settings
        self.application_name = application_name
        try:
            import psycopg2  # an Odoo requirement: present once Odoo runs

            self.psycopg2 = psycopg2
        except ImportError:
            fail(f"{sys.executable} has no psycopg2, which Odoo needs: pip install psycopg2")

    def connect(self, dbname: str = "postgres", user: str | None = None, autocommit: bool = True):
        s = self.settings
        conn = self.psycopg2.connect(
            host=s.db_host or None,
            port=s.db_port,
            user=user or s.db_user,
            password=s.db_password or None,
            dbname=dbname,
            connect_timeout=5,
            application_name=self.application_name,
        )
        conn.autocommit = autocommit
        return conn

    def is_local(self) -> bool:
        host = self.settings.db_host
        return host in ("", "127.0.0.1", "localhost", "::1") or host.startswith("/")

    def exists(self, dbname: str) -> bool:
        conn = self.connect()
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
            found = bool(cr.fetchone())
        conn.close()
        return found

    def drop(self, dbname: str) -> None:
        if not self.exists(dbname):
            return
        conn = self.connect()
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.close()

    def list_databases(self, like: str) -> list[str]:
        conn = self.connect()
        with conn.cursor() as cr:
            cr.execute("SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1", (like,))
            names = [row[0] for row in cr.fetchall()]
        conn.close()
        return names

    def module_states(self, dbname: str, names: list[str]) -> dict[str, tuple[str, bool]] | None:
        """{module: (state, demo)} for an Odoo database, None when it is not one."""
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT to_regclass('ir_module_module')")
                if cr.fetchone()[0] is None:
                    return None
                cr.execute(
                    "SELECT name, state, demo FROM ir_module_module WHERE name = ANY(%s)",
                    (names,),
                )
                return {name: (state, demo) for name, state, demo in cr.fetchall()}
        finally:
            conn.close()
