"""Reports read from the streaming replica (member_reports, issue 13), after the drill's load.

With ``--replica`` the drill's Odoo servers run with ``--db_replica_host/--db_replica_port``
naming a hot standby of the drill's cluster (``pg_basebackup -R``). Here, their load over:

1. every statement is logged, on the primary and on the replica (``ALTER SYSTEM SET
   log_statement = 'all'`` and a reload on each: the setting is not replicated), with the
   application name in each line;
2. a top-up over HTTP (``member.wallet.api_topup`` as the drill's cashier, a write): it must
   be written on the primary (its ``INSERT INTO "member_wallet_line"`` in the primary's log)
   and, once the replica has replayed the primary's WAL, be there too (its posting's lines
   read in SQL on the replica);
3. the ledger report (收支明细, ``member.report.ledger``) read over HTTP as the web client
   reads it: the list (``web_search_read``), the pivot (``formatted_read_group`` per store)
   and *Export to Excel* (``GET /member_reports/xlsx``), each filtered on that top-up's
   posting, each answering the top-up's amount;
4. the statement logs read back: the report's queries (``member_report_ledger``) ran on the
   replica, by Odoo (application ``odoo-…``), and never on the primary.

``--replica-unused`` (make the replica, do not tell the servers) must break the checks
of step 4: the proof that this test can fail.
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
import zipfile
from pathlib import Path

REPORT = "member.report.ledger"
REPORT_TABLE = "member_report_ledger"
LOGGED = {"log_statement": "'all'", "log_line_prefix": "'%m [%p] app=%a '"}


def set_logging(cluster, on: bool) -> None:
    """Every statement logged (or back to the cluster's settings), at once."""
    conn = cluster.connect()
    with conn.cursor() as cr:
        for name, value in LOGGED.items():
            cr.execute(f"ALTER SYSTEM SET {name} = {value}" if on else f"ALTER SYSTEM RESET {name}")
        cr.execute("SELECT pg_reload_conf()")
    conn.close()
    # the backends read the new settings before their next statement; a new
    # connection shows that the postmaster has them
    deadline = time.monotonic() + 10
    while True:
        conn = cluster.connect()
        with conn.cursor() as cr:
            cr.execute("SHOW log_statement")
            current = cr.fetchone()[0]
        conn.close()
        if (current == "all") == on or time.monotonic() > deadline:
            return
        time.sleep(0.2)


def log_since(path: Path, offset: int) -> str:
    with Path(path).open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace")


def statements_on(text: str, table: str) -> list[str]:
    """The logged statements naming ``table``, each on one line with its log prefix.
    The ``EXECUTE`` of a prepared statement (member_wallet's debits and top-ups on its
    own connections) names no table: PostgreSQL logs the statement it runs in a
    ``DETAIL:  prepare: PREPARE …`` line of its own, joined here to its ``EXECUTE``."""
    blocks = []
    for block in re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text):
        if "DETAIL:  prepare: " in block and blocks:
            blocks[-1] += "\n" + block
        else:
            blocks.append(block)
    found = []
    for block in blocks:
        if "statement:" in block and re.search(rf'\b"?{table}"?\b', block):
            found.append(" ".join(block.split()))
    return found


def reads_of(statements: list[str]) -> dict:
    """Which of the report's reads the statements show: the list's page, the pivot's
    groups, the Excel export's cursor."""
    return {
        "list": any(" LIMIT " in s and "GROUP BY" not in s for s in statements),
        "pivot": any("GROUP BY" in s for s in statements),
        "export": any("DECLARE" in s and "CURSOR FOR" in s for s in statements),
    }


def wait_replayed(cluster, replica, dbname: str, timeout: float = 60) -> bool:
    """Whether the replica replayed the primary's WAL as it is now (within ``timeout``)."""
    conn = cluster.connect(dbname)
    with conn.cursor() as cr:
        cr.execute("SELECT pg_current_wal_lsn()")
        lsn = cr.fetchone()[0]
    conn.close()
    deadline = time.monotonic() + timeout
    conn = replica.connect(dbname)
    try:
        with conn.cursor() as cr:
            while True:
                cr.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
                if cr.fetchone()[0]:
                    return True
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.2)
    finally:
        conn.close()


def report_read_checks(client, context, card, cluster, replica, dbname):
    """``[(name, ok, detail)]``: the write on the primary and then on the replica, the
    report's reads on the replica only. CLIENT is a logged-in web client of the drill
    (``wallet_debit.Client``) of one server, CONTEXT its store's."""
    offsets = {c: Path(c.log).stat().st_size for c in (cluster, replica)}
    set_logging(cluster, True)
    set_logging(replica, True)
    amount = 43.21
    try:
        outcome, answer = client.call(
            "member.wallet",
            "api_topup",
            context=context,
            card_ref=card,
            amount=str(amount),
            idempotency_key=f"chaos-replica-report-{uuid.uuid4().hex}",
        )
        move_id = answer.get("move_id") if outcome == "ok" and isinstance(answer, dict) else None
        replayed = bool(move_id) and wait_replayed(cluster, replica, dbname)
        on_replica = None
        if move_id:
            conn = replica.connect(dbname)
            with conn.cursor() as cr:
                cr.execute(
                    "SELECT COALESCE(SUM(amount), 0) FROM member_wallet_line"
                    " WHERE move_id = %s AND asset = 'principal'",
                    [move_id],
                )
                on_replica = float(cr.fetchone()[0])
            conn.close()
        domain = [["move_id", "=", move_id or 0], ["asset", "=", "principal"]]
        outcome_list, listed = client.call(
            REPORT,
            "web_search_read",
            context=context,
            domain=domain,
            specification={"income": {}, "card_id": {"fields": {"display_name": {}}}},
            limit=80,  # (the list's page)
        )
        list_income = (
            sum(r["income"] for r in listed["records"]) if outcome_list == "ok" else listed
        )
        outcome_pivot, groups = client.call(
            REPORT,
            "formatted_read_group",
            context=context,
            domain=domain,
            groupby=["company_id"],
            aggregates=["income:sum"],
        )
        pivot_income = sum(g["income:sum"] for g in groups) if outcome_pivot == "ok" else groups
        xlsx = client.session.get(
            f"{client.args.url}/member_reports/xlsx",
            params={"model": REPORT, "domain": json.dumps(domain)},
            timeout=client.args.request_timeout,
        )
        xlsx_income = xlsx_figure(xlsx, amount)
    finally:
        set_logging(cluster, False)
        set_logging(replica, False)
    primary_log = log_since(cluster.log, offsets[cluster])
    replica_log = log_since(replica.log, offsets[replica])
    read_on_replica = statements_on(replica_log, REPORT_TABLE)
    read_on_primary = statements_on(primary_log, REPORT_TABLE)
    by_odoo = [s for s in read_on_replica if "app=odoo-" in s]
    reads = reads_of(by_odoo)
    written = statements_on(primary_log, "member_wallet_line")
    inserts = [s[:240] for s in written if "INSERT INTO" in s]
    return [
        (
            f"a top-up over HTTP (a write) went to the primary: posting {move_id}, "
            f"{len(inserts)} INSERT INTO member_wallet_line in the primary's statement log",
            bool(move_id) and bool(inserts),
            (outcome, str(answer)[:300], inserts[:2]),
        ),
        (
            "the top-up is then on the replica (replayed, its principal line read there)",
            replayed and on_replica is not None and abs(on_replica - amount) < 0.005,
            (replayed, on_replica),
        ),
        (
            "the ledger report read over HTTP shows it: list (web_search_read), pivot "
            "(formatted_read_group) and Excel export (/member_reports/xlsx)",
            all(
                isinstance(v, float | int) and abs(v - amount) < 0.005
                for v in (list_income, pivot_income, xlsx_income)
            ),
            (list_income, pivot_income, xlsx_income),
        ),
        (
            f"the report's reads ran on the replica: {len(by_odoo)} statements of Odoo on "
            f"{REPORT_TABLE} in the replica's statement log (the list's page, the pivot's "
            "groups, the export's cursor)",
            all(reads.values()),
            (reads, [s[:240] for s in read_on_replica[:3]]),
        ),
        (
            "none of the report's reads ran on the primary",
            bool(move_id) and not read_on_primary,
            [s[:240] for s in read_on_primary[:3]],
        ),
    ]


def xlsx_figure(response, amount):
    """The top-up's income as the exported file shows it (its row's cell of that amount),
    else what went wrong."""
    if response.status_code != 200 or not response.content.startswith(b"PK"):
        return f"HTTP {response.status_code}: {response.text[:200]}"
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    values = [float(v) for v in re.findall(r"<v>([-0-9.]+)</v>", sheet)]
    return amount if any(abs(v - amount) < 0.005 for v in values) else values[:40]
