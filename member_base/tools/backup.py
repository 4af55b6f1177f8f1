"""Names and retention of the database backups (pure functions, no Odoo import).

A backup is two files in the backup folder, named after the database and the moment
(UTC) it was taken: ``<db>_<YYYYmmdd_HHMMSS>.dump`` (pg_dump, custom format) and
``<db>_<YYYYmmdd_HHMMSS>.filestore.tar.gz`` (the database's filestore).
"""

import re
from datetime import datetime, timedelta

STAMP = "%Y%m%d_%H%M%S"
SUFFIXES = (".dump", ".filestore.tar.gz")


def backup_stem(db, moment):
    """The common name of a backup's files, without suffix."""
    return f"{db}_{moment.strftime(STAMP)}"


def parse_stem(db, filename):
    """``(stem, moment)`` of a backup file of DB, else None (another database's file,
    another file)."""
    for suffix in SUFFIXES:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            match = re.fullmatch(re.escape(db) + r"_(\d{8}_\d{6})", stem)
            if match:
                try:
                    return stem, datetime.strptime(match.group(1), STAMP)
                except ValueError:
                    return None
    return None


def backups_to_keep(moments, now, daily, weekly):
    """Which of MOMENTS (datetimes of the backups) to keep at NOW: the newest backup of
    each of the last DAILY days (today included) and the newest of each of the last
    WEEKLY ISO weeks (this week included). A backup dated after NOW is kept (a clock
    that went back must not delete a backup), and so is the newest one up to NOW,
    however old.

    >>> days = [datetime(2026, 3, d, 2) for d in range(1, 21)]  # 1-20 March, 02:00
    >>> kept = backups_to_keep(days, datetime(2026, 3, 20, 12), daily=3, weekly=2)
    >>> sorted(m.day for m in kept)
    [15, 18, 19, 20]
    """
    moments = sorted(set(moments), reverse=True)
    keep = {m for m in moments if m > now}
    past = [m for m in moments if m <= now]
    if past:
        keep.add(past[0])
    today = now.date()
    first_day = today - timedelta(days=max(daily, 0) - 1)
    seen_days = set()
    for moment in moments:
        day = moment.date()
        if daily > 0 and first_day <= day <= today and day not in seen_days:
            seen_days.add(day)
            keep.add(moment)
    this_monday = today - timedelta(days=today.weekday())
    first_monday = this_monday - timedelta(weeks=max(weekly, 0) - 1)
    seen_weeks = set()
    for moment in moments:
        day = moment.date()
        monday = day - timedelta(days=day.weekday())
        if weekly > 0 and first_monday <= monday <= this_monday and monday not in seen_weeks:
            seen_weeks.add(monday)
            keep.add(moment)
    return keep
