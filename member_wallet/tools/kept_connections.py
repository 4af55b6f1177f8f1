"""The wallet's own PostgreSQL connections for the debits authorised apart.

Odoo's connection pool resets every connection it lends (psycopg2's
``connection.reset()``, i.e. ``DISCARD ALL``): each request starts a fresh
PostgreSQL session, without the plans the session cached. For most requests
that costs nothing noticeable; for a debit it is most of its time in
PostgreSQL: the posting statement writes four tables whose 18 foreign keys
are each checked by a query of PostgreSQL's own (the referential-integrity
triggers), and after a ``DISCARD ALL`` each of those queries is planned
again (0.07–0.3 ms each). Measured on the server (50,000-member chain, 2
cores, under load): the posting statement 2.0 ms and the lock 0.9 ms on
Odoo's connections; 1.3 and 0.3 ms on a kept connection, prepared.

This pool lends connections that are not reset: they are only ever used
by ``member.wallet._apart_cursor`` for its short transactions at READ
COMMITTED (lock, check, insert, commit), which leave nothing behind in the
session but the cached plans (``SET LOCAL`` only, the isolation level set
by psycopg2 at each ``BEGIN``). One connection per concurrent debit of the
process (a prefork worker: one; at most ``MAX_KEPT``, beyond which a debit
runs on a cursor of Odoo's pool as before), closed after ten idle minutes as
Odoo's own; a pool per process (a forked worker never uses its parent's
sockets).

On a kept connection the debit's statements are also prepared
(``execute``): PostgreSQL parses and plans them once per connection, not
once per debit (plain statements, as psycopg2 sends them, are planned at
every execution; a prepared one with a generic plan is not).

A kept connection may have died since its last use (PostgreSQL restarted,
the backend terminated): that shows only at its first statement, which
only locks and reads. ``member.wallet`` then closes the idle ones (a
restart killed them all) and runs the transaction again on a new one
(``is_dead_connection``).
"""

import os
import re
import threading
import time

import psycopg2

from odoo import sql_db
from odoo.tools import config, reverse_enumerate

_POOLS = {}
_POOLS_LOCK = threading.Lock()
# at most so many kept connections per process (a prefork worker uses one; the
# threads of a threaded server beyond it use Odoo's cursors, as before)
MAX_KEPT = 8
_INFO = {}  # connection parameters per database (from the configuration)


class KeptConnectionPool(sql_db.ConnectionPool):
    """A ``ConnectionPool`` whose connections keep their PostgreSQL session
    (and its cached plans) from one loan to the next: rolled back, never
    reset."""

    def borrow(self, connection_info):
        with self._lock:
            now = time.time()
            for i, cnx in reverse_enumerate(self._connections):
                idle = not cnx._pool_in_use and now - cnx._pool_last_used > sql_db.MAX_IDLE_TIMEOUT
                if idle and not cnx.closed:
                    cnx.close()
                if cnx.closed:
                    self._connections.pop(i)
            for cnx in self._connections:
                if cnx._pool_in_use or not self._dsn_equals(cnx.dsn, connection_info):
                    continue
                if cnx.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
                    try:
                        cnx.rollback()
                    except psycopg2.Error:
                        cnx.close()
                        continue
                cnx._pool_in_use = True
                return cnx
            if len(self._connections) >= self._maxconn:
                # an idle one to another database (a server of several) makes room
                for i, cnx in enumerate(self._connections):
                    if not cnx._pool_in_use:
                        self._connections.pop(i).close()
                        break
                else:
                    raise sql_db.PoolError("The wallet's connection pool is full")
            cnx = psycopg2.connect(connection_factory=sql_db.PsycoConnection, **connection_info)
            # the statements of a debit have no value worth a plan of their own
            with cnx.cursor() as cr:
                cr.execute("SET plan_cache_mode = force_generic_plan")
            cnx.commit()
            cnx._member_kept = True
            cnx._member_prepared = {}
            cnx._member_statements = 0
            cnx._pool_in_use = True
            self._connections.append(cnx)
            return cnx

    def close_idle(self):
        """Close the connections not lent: after one was found dead (a
        PostgreSQL restart kills them all), the next debits open new ones."""
        with self._lock:
            for i, cnx in reverse_enumerate(self._connections):
                if not cnx._pool_in_use:
                    cnx.close()
                    self._connections.pop(i)


def pool():
    """This process's pool (created at its first debit)."""
    pid = os.getpid()
    kept = _POOLS.get(pid)
    if kept is None:
        with _POOLS_LOCK:
            kept = _POOLS.get(pid)
            if kept is None:
                kept = _POOLS[pid] = KeptConnectionPool(min(int(config["db_maxconn"]), MAX_KEPT))
    return kept


def cursor(dbname):
    """An Odoo cursor of ``dbname`` on a kept connection (REPEATABLE READ
    until the caller sets another level, as every Odoo cursor)."""
    info = _INFO.get(dbname)
    if info is None:
        info = _INFO[dbname] = sql_db.connection_info_for(dbname)[1]
    return sql_db.Cursor(pool(), dbname, info)


_PARAMETER = re.compile(r"%\((\w+)\)s")


def is_kept(cr):
    """``cr`` is a cursor on a kept connection."""
    return getattr(getattr(cr, "_cnx", None), "_member_kept", False)


def execute(cr, query, params, log_exceptions=True):
    """``cr.execute(query, params)``, as a prepared statement of the
    connection when ``cr`` is on a kept one. ``query`` is one statement or
    several separated by ``;`` (each prepared apart, executed in one round
    trip), with ``%(name)s`` placeholders only; each placeholder must have
    a type PostgreSQL can infer (a column it is compared with or assigned
    to, or a cast). The first execution of a query on a connection prepares
    it (one more round trip, once)."""
    if not is_kept(cr):
        cr.execute(query, params, log_exceptions=log_exceptions)
        return
    prepared = cr._cnx._member_prepared
    entry = prepared.get(query)
    if entry is None:
        statements = []
        for text in (part.strip() for part in query.split(";")):
            if not text:
                continue
            if not text.upper().startswith(("SELECT", "WITH", "INSERT", "UPDATE", "DELETE")):
                statements.append((None, text, ()))  # SET LOCAL ...: sent as it is
                continue
            order = []

            def number(match, order=order):
                if match.group(1) not in order:
                    order.append(match.group(1))
                return f"${order.index(match.group(1)) + 1}"

            cr._cnx._member_statements += 1
            name = f"member_wallet_{cr._cnx._member_statements}"
            cr.execute(f"PREPARE {name} AS {_PARAMETER.sub(number, text)}", log_exceptions=False)
            statements.append((name, None, tuple(order)))
        entry = prepared[query] = statements
    sql, values = [], []
    for name, text, order in entry:
        if name is None:
            sql.append(text)
        else:
            arguments = f"({', '.join(['%s'] * len(order))})" if order else ""
            sql.append(f"EXECUTE {name}{arguments}")
            values.extend(params[key] for key in order)
    cr.execute("; ".join(sql), values, log_exceptions=log_exceptions)


def is_dead_connection(error, cr):
    """``error``, raised by the first statement of ``cr``, says that its
    connection is gone (nothing of the statement ran)."""
    return isinstance(error, psycopg2.OperationalError | psycopg2.InterfaceError) and bool(
        cr._cnx.closed
    )


def close_all(dsn=None):
    """Close this process's kept connections (of ``dsn``, else all)."""
    kept = _POOLS.get(os.getpid())
    if kept is not None:
        kept.close_all(dsn)
