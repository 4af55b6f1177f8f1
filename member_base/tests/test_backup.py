import shutil
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import freeze_time

from ..tools.backup import backup_stem
from .common import MemberChainCase


@tagged("post_install", "-at_install", "member_base")
class TestBackup(MemberChainCase):
    """Backups from the settings: the retention with a frozen clock, a real backup of
    the test database (administrators only), refusals. The restore drill (back up,
    change, restore into a new database, compare) runs on committed data in the chaos
    drill (tests/chaos/drill.py), which a test transaction cannot give pg_dump."""

    def setUp(self):
        super().setUp()
        self.folder = Path(tempfile.mkdtemp(prefix="member_backup_test_"))
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.db = self.env.cr.dbname

    def set_params(self, daily, weekly, folder=None):
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("member_base.backup_dir", str(self.folder if folder is None else folder))
        Param.set_param("member_base.backup_keep_daily", str(daily))
        Param.set_param("member_base.backup_keep_weekly", str(weekly))

    def touch_backup(self, moment, db=None):
        stem = backup_stem(db or self.db, moment)
        for suffix in (".dump", ".filestore.tar.gz"):
            (self.folder / f"{stem}{suffix}").write_bytes(b"x")

    def days_left(self):
        return sorted(
            int(p.name.split("_")[-2][6:8]) for p in self.folder.glob(f"{self.db}_*.dump")
        )

    def test_retention_frozen_clock(self):
        """Twenty nightly backups (1-20 March 2026, 02:00 UTC); on Friday 20 March at
        noon, keeping 3 daily and 2 weekly: the 18th, 19th and 20th (the last three days)
        and the 15th (newest of the week before, Sunday); this week's newest is the 20th.
        Another database's backups and other files are left alone."""
        self.set_params(daily=3, weekly=2)
        for day in range(1, 21):
            self.touch_backup(datetime(2026, 3, day, 2))
        self.touch_backup(datetime(2026, 3, 1, 2), db="other_db")
        (self.folder / "notes.txt").write_text("keep me")
        with freeze_time("2026-03-20 12:00:00"):
            removed = self.env["member.backup"]._apply_retention()
        self.assertEqual(len(removed), 2 * 16, "16 backups of two files each removed")
        self.assertEqual(self.days_left(), [15, 18, 19, 20])
        self.assertTrue(
            (self.folder / f"{backup_stem('other_db', datetime(2026, 3, 1, 2))}.dump").exists()
        )
        self.assertTrue((self.folder / "notes.txt").exists())
        # a week later, with the nights in between backed up: 25, 26, 27 daily (this
        # week's newest, the 27th, among them) and the newest of the week of the 16th,
        # Sunday the 22nd; the 15th, 18th, 19th and 20th go
        for day in range(21, 28):
            self.touch_backup(datetime(2026, 3, day, 2))
        with freeze_time("2026-03-27 12:00:00"):
            self.env["member.backup"]._apply_retention()
        self.assertEqual(self.days_left(), [22, 25, 26, 27])

    def test_retention_keeps_newest_and_future(self):
        """With a clock gone back, nothing dated after now is removed, and the newest
        backup always stays, however old."""
        self.set_params(daily=1, weekly=0)
        self.touch_backup(datetime(2026, 1, 5, 2))
        self.touch_backup(datetime(2026, 1, 9, 2))
        self.touch_backup(datetime(2026, 5, 1, 2))
        with freeze_time("2026-04-01 12:00:00"):
            self.env["member.backup"]._apply_retention()
        self.assertEqual(
            sorted(p.name for p in self.folder.glob("*.dump")),
            [
                f"{backup_stem(self.db, datetime(2026, 1, 9, 2))}.dump",
                f"{backup_stem(self.db, datetime(2026, 5, 1, 2))}.dump",
            ],
        )

    def test_backup_now_from_settings(self):
        """An administrator's *Back Up Now*: a custom-format dump of this database and
        its filestore archive, named after the moment; then the retention ran."""
        if not shutil.which("pg_dump"):
            self.skipTest("pg_dump is not installed")
        env = self.env_as(self.admin_user, self.head_office)
        settings = env["res.config.settings"].create(
            {
                "member_backup_dir": str(self.folder),
                "member_backup_keep_daily": 2,
                "member_backup_keep_weekly": 1,
            }
        )
        self.touch_backup(datetime(2020, 1, 1, 2))  # old: removed by the retention
        with freeze_time("2026-03-20 12:00:00"):
            action = settings.action_member_backup_now()
        stem = backup_stem(self.db, datetime(2026, 3, 20, 12))
        dump = self.folder / f"{stem}.dump"
        self.assertIn(dump.name, action["params"]["message"])
        self.assertEqual(dump.read_bytes()[:5], b"PGDMP", "pg_dump's custom format")
        with tarfile.open(self.folder / f"{stem}.filestore.tar.gz") as tar:
            self.assertIsNotNone(tar.getmember("."))
        self.assertEqual(sorted(p.name for p in self.folder.glob("*.dump")), [dump.name])
        self.assertFalse(list(self.folder.glob("*.part")), "no partial file left")

    def test_backup_refused(self):
        """Store staff cannot back up; a relative folder, no folder, a retention below one
        day are refused with nothing written."""
        manager = self.env_as(self.manager_a, self.store_a)
        with self.assertRaises(AccessError):
            manager["member.backup"].action_backup_now()
        self.set_params(daily=7, weekly=4, folder="relative/folder")
        with self.assertRaisesRegex(UserError, "absolute path"):
            self.env["member.backup"]._backup()
        self.assertFalse(Path("relative").exists())
        self.set_params(daily=7, weekly=4, folder="")
        self.assertEqual(self.env["member.backup"]._cron_backup(), [])
        env = self.env_as(self.admin_user, self.head_office)
        with self.assertRaisesRegex(UserError, "backup folder"):
            env["res.config.settings"].create({"member_backup_scheduled": True})
        with self.assertRaises(ValidationError):
            env["res.config.settings"].create(
                {"member_backup_dir": str(self.folder), "member_backup_keep_daily": 0}
            )
        self.assertFalse(list(self.folder.iterdir()), "nothing written")

    def test_schedule_from_settings(self):
        cron = self.env.ref("member_base.ir_cron_member_backup")
        self.assertFalse(cron.active, "no backup until an administrator schedules it")
        env = self.env_as(self.admin_user, self.head_office)
        env["res.config.settings"].create(
            {"member_backup_dir": str(self.folder), "member_backup_scheduled": True}
        ).execute()
        self.assertTrue(cron.active)
        self.assertEqual(cron.code.strip(), "model._cron_backup()")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        settings = env["res.config.settings"].create({})
        self.assertTrue(settings.member_backup_scheduled)
        self.assertEqual(settings.member_backup_dir, str(self.folder))
