"""Restore drill, after the chaos drill on its database (committed data, which a test
transaction cannot give pg_dump): member_base's backup service (``member.backup``: the
pg_dump in custom format and the filestore archive, as the nightly cron and the settings'
*Back Up Now* take it), then a change (a top-up, an attachment), then the restore of the
backup into a new database; every ledger line, posting, balance, operation-log line and
attachment (its row and its file) of the restored database must be those of the moment
of the backup, and the change absent.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from pathlib import Path

RESTORED_DB = "chaos_drill_restored"
# the tables compared, each as an ordered digest of its rows
TABLES = (
    "member_wallet",
    "member_wallet_move",
    "member_wallet_line",
    "member_operation_log",
    "member_card",
    "ir_attachment",
)


def fingerprint(cr, filestore: Path) -> dict:
    """Digest of each table (every column of every row, in id order) and of the files of
    the attachments stored in FILESTORE."""
    digest = {}
    for table in TABLES:
        cr.execute(
            f"SELECT COUNT(*), md5(COALESCE(string_agg(t::text, '|' ORDER BY t.id), ''))"
            f" FROM {table} t"
        )
        digest[table] = cr.fetchone()
    cr.execute(
        "SELECT id, store_fname FROM ir_attachment WHERE store_fname IS NOT NULL ORDER BY id"
    )
    files = hashlib.sha1()
    count = missing = 0
    for att_id, fname in cr.fetchall():
        path = filestore / fname
        if path.is_file():
            files.update(f"{att_id}:{hashlib.sha1(path.read_bytes()).hexdigest()};".encode())
            count += 1
        else:
            missing += 1
    digest["attachment files"] = (count, missing, files.hexdigest())
    return digest


def restore_drill(env_factory, connect, data_dir: Path, card_name: str, company_id: int):
    """``[(name, ok, detail)]`` of the restore drill. ENV_FACTORY gives a superuser
    environment (a context manager committing at its end) on the drill database;
    CONNECT(db) a psycopg2 connection of the drill's cluster."""
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config["data_dir"] = str(data_dir)  # the servers' filestore
    folder = Path(tempfile.mkdtemp(prefix="chaos_backups_"))
    started = time.monotonic()
    with env_factory() as env:
        db = env.cr.dbname
        Param = env["ir.config_parameter"]
        Param.set_param("member_base.backup_dir", str(folder))
        # a file in the filestore at the moment of the backup (a card's scanned form)
        card = env["member.card"].search([("name", "=", card_name)])
        env["ir.attachment"].create(
            {
                "name": "application-form.txt",
                "raw": f"application form of card {card_name}".encode(),
                "res_model": "member.card",
                "res_id": card.id,
            }
        )
        env.cr.commit()
        dump, _archive = env["member.backup"]._backup()
        before = fingerprint(env.cr, Path(config.filestore(db)))
    backup_secs = time.monotonic() - started
    # the change after the backup: a top-up (ledger, posting, balance, log) and a file
    with env_factory() as env:
        card = env["member.card"].search([("name", "=", card_name)])
        company = env["res.company"].browse(company_id)
        card._get_wallet().with_company(company)._topup(
            12.34, key=f"chaos-after-backup-{time.time_ns()}", card=card, company=company
        )
        env["ir.attachment"].create(
            {"name": "after-backup.txt", "raw": b"written after the backup"}
        )
        env.cr.commit()
        after = fingerprint(env.cr, Path(config.filestore(db)))
    started = time.monotonic()
    with env_factory() as env:
        env["member.backup"]._restore(dump, RESTORED_DB)
    restore_secs = time.monotonic() - started
    conn = connect(RESTORED_DB)
    try:
        with conn.cursor() as cr:
            restored = fingerprint(cr, Path(config.filestore(RESTORED_DB)))
    finally:
        conn.close()
    odoo.sql_db.close_db(RESTORED_DB)
    conn = connect("postgres")
    with conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{RESTORED_DB}" WITH (FORCE)')
    conn.close()
    size = dump.stat().st_size
    shutil.rmtree(folder, ignore_errors=True)
    differing = [name for name in before if before[name] != restored.get(name)]
    return [
        (
            f"backup taken ({size:,} bytes dump) in "
            f"{backup_secs:.1f}s and restored into a new database in {restore_secs:.1f}s",
            True,
        ),
        ("the change after the backup is seen before the restore", after != before, after),
        (
            "restored: every ledger line, posting, balance, log line and attachment (row and "
            f"file) as at the backup ({before['member_wallet_line'][0]} ledger lines, "
            f"{before['attachment files'][0]} files)",
            not differing,
            differing,
        ),
    ]
