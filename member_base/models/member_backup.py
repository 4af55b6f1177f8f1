import logging
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import config

from ..tools.backup import SUFFIXES, backup_stem, backups_to_keep, parse_stem

_logger = logging.getLogger(__name__)

PARAM_DIR = "member_base.backup_dir"
PARAM_DAILY = "member_base.backup_keep_daily"
PARAM_WEEKLY = "member_base.backup_keep_weekly"
DEFAULT_DAILY = 7
DEFAULT_WEEKLY = 4


class MemberBackup(models.AbstractModel):
    """Backups of the database (系统数据备份与恢复): a pg_dump in custom format and the
    filestore, written to the backup folder of the settings by a daily cron, older ones
    removed by the retention (the newest of each of the last N days and M weeks); and the
    restore of such a backup into a new database. Only administrators start them; the
    database password goes to pg_dump through its environment (PGPASSWORD), never on a
    command line another user could read."""

    _name = "member.backup"
    _description = "Database Backups"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @api.model
    def action_backup_now(self):
        """The settings' *Back Up Now*: one backup at once, then the retention."""
        self._check_admin()
        paths = self.sudo()._backup()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Backup written: %s", paths[0].name),
            },
        }

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_backup(self):
        if not self._settings()[0]:
            _logger.warning("No backup folder is set: no backup taken")
            return []
        return self._backup()

    # ------------------------------------------------------------------
    # Backup, retention, restore
    # ------------------------------------------------------------------

    @api.model
    def _settings(self):
        Param = self.env["ir.config_parameter"].sudo()
        folder = (Param.get_param(PARAM_DIR) or "").strip()
        daily = int(Param.get_param(PARAM_DAILY) or DEFAULT_DAILY)
        weekly = int(Param.get_param(PARAM_WEEKLY) or DEFAULT_WEEKLY)
        return folder, daily, weekly

    @api.model
    def _folder(self):
        folder = self._settings()[0]
        if not folder:
            raise UserError(self.env._("Set the backup folder in the settings first."))
        path = Path(folder)
        if not path.is_absolute():
            raise UserError(self.env._("The backup folder must be an absolute path."))
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(
                self.env._(
                    "The backup folder %(folder)s cannot be created: %(error)s",
                    folder=folder,
                    error=error,
                )
            ) from error
        if not os.access(path, os.W_OK):
            raise UserError(self.env._("The backup folder %s is not writable.", folder))
        return path

    @api.model
    def _backup(self):
        """Dump the database and archive its filestore into the backup folder (written
        under temporary names, renamed when complete), then apply the retention; the
        two paths."""
        folder = self._folder()
        db = self.env.cr.dbname
        stem = backup_stem(db, fields.Datetime.now())
        dump, archive = (folder / f"{stem}{suffix}" for suffix in SUFFIXES)
        partial = [path.with_name(path.name + ".part") for path in (dump, archive)]
        try:
            self._run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--lock-wait-timeout=60000",
                    f"--file={partial[0]}",
                    db,
                ],
                "pg_dump",
            )
            filestore = Path(config.filestore(db))
            with tarfile.open(partial[1], "w:gz") as tar:
                if filestore.is_dir():
                    tar.add(filestore, arcname=".")
            partial[0].rename(dump)
            partial[1].rename(archive)
        finally:
            for path in partial:
                path.unlink(missing_ok=True)
        _logger.info("Backup of %s written to %s", db, dump)
        self._apply_retention(folder)
        return [dump, archive]

    @api.model
    def _apply_retention(self, folder=None):
        """Remove the backups of this database the retention does not keep; the names
        of the files removed."""
        folder = Path(folder or self._folder())
        _dir, daily, weekly = self._settings()
        db = self.env.cr.dbname
        files = {}
        for path in folder.iterdir():
            parsed = parse_stem(db, path.name)
            if parsed:
                files.setdefault(parsed, []).append(path)
        keep = backups_to_keep(
            [moment for _stem, moment in files], fields.Datetime.now(), daily, weekly
        )
        removed = []
        for (_stem, moment), paths in sorted(files.items()):
            if moment not in keep:
                for path in paths:
                    path.unlink(missing_ok=True)
                    removed.append(path.name)
        if removed:
            _logger.info("Backup retention removed %s", ", ".join(removed))
        return removed

    @api.model
    def _restore(self, dump, new_db):
        """Restore the backup whose dump is DUMP into the new database NEW_DB (created
        here), with its filestore."""
        self._check_admin()
        dump = Path(dump)
        archive = dump.with_name(dump.name.removesuffix(".dump") + SUFFIXES[1])
        if not dump.is_file() or not archive.is_file():
            raise UserError(self.env._("The backup %s is incomplete.", dump.name))
        self._run(["createdb", "--template=template0", "--encoding=UTF8", new_db], "createdb")
        self._run(["pg_restore", "--no-owner", f"--dbname={new_db}", str(dump)], "pg_restore")
        filestore = Path(config.filestore(new_db))
        if filestore.exists():
            shutil.rmtree(filestore)
        filestore.mkdir(parents=True)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(filestore, filter="data")
        return new_db

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @api.model
    def _check_admin(self):
        if not (self.env.su or self.env.user.has_group("base.group_system")):
            raise AccessError(self.env._("Only administrators can back up or restore."))

    @api.model
    def _pg_env(self):
        """The PostgreSQL client environment of Odoo's own connection settings; the
        password only in PGPASSWORD."""
        env = dict(os.environ)
        for key, option in (
            ("PGHOST", "db_host"),
            ("PGPORT", "db_port"),
            ("PGUSER", "db_user"),
            ("PGPASSWORD", "db_password"),
        ):
            value = config.get(option)
            if value:
                env[key] = str(value)
            else:
                env.pop(key, None)
        return env

    @api.model
    def _run(self, cmd, label):
        binary = shutil.which(cmd[0])
        if not binary:
            raise UserError(self.env._("%s is not installed on the server.", cmd[0]))
        done = subprocess.run(
            [binary, *cmd[1:]], env=self._pg_env(), capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise UserError(
                self.env._(
                    "%(program)s failed: %(error)s",
                    program=label,
                    error=(done.stderr or done.stdout).strip()[-500:],
                )
            )
