#!/usr/bin/env python3
"""Import 10,000 members with one card each through Odoo's import and time it.

    python3 tests/bench/import_members.py                  # fresh member_bench_import

The file has the columns of member_base's download template
(``member_base/static/xls/member_import_template.xlsx``, header row read from
it). It is imported the way the import screen does it: a ``base_import.import``
record holding the file, ``parse_preview`` for the options, then
``execute_import`` in batches of 2,000 rows (the screen's default), each batch
in its own transaction, with the context of the Members menu
(``default_is_member``) and ``tracking_disable``. Odoo runs in this process
(no HTTP): the figure is the import itself.

The database is created fresh with member_base installed (dropped first when
it exists; only member_bench* names are accepted) unless ``--reuse-db``.
Afterwards the members, their active cards and the operation log are counted.
"""

import datetime
import io
import random
import sys
import time
from pathlib import Path

import benchlib

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红玲芬燕彬鑫宇浩然轩涵欣怡")
LEVELS = ["Normal"] * 7 + ["Silver"] * 2 + ["Gold"]
CARD_NUMBER_BASE = 770_000_000_000
MOBILE_BASE = 13_700_000_000


def parse_args(argv=None):
    parser = benchlib.argument_parser(
        "Time the import of members with their cards through Odoo's import.",
        "member_bench_import",
    )
    parser.add_argument("--rows", type=int, default=10_000, help="members (one card each)")
    parser.add_argument(
        "--batch",
        type=int,
        default=2000,
        help="rows per execute_import call (the import screen's default)",
    )
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="import into the existing database instead of a fresh one "
        "(numbers are offset to stay unique)",
    )
    parser.add_argument(
        "--test-first",
        action="store_true",
        help="run the screen's 'Test' (dry run) over the whole file first",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--file", default=None, help="also save the generated xlsx there")
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= 1_000_000 or not 1 <= args.batch <= 100_000:
        parser.error("--rows from 1 to 1,000,000, --batch from 1 to 100,000")
    return args


def template_path(args):
    for folder in benchlib.addons_path(args).split(","):
        path = Path(folder) / "member_base" / "static" / "xls" / "member_import_template.xlsx"
        if path.exists():
            return path
    raise benchlib.BenchError("member_base's import template was not found on the addons path")


def template_header(args):
    import openpyxl  # noqa: PLC0415

    workbook = openpyxl.load_workbook(template_path(args), read_only=True)
    sheet = workbook.worksheets[0]
    header = [
        cell for cell in next(sheet.iter_rows(min_row=1, max_row=1, values_only=True)) if cell
    ]
    return sheet.title, header


def member_row(index, offset, rng):
    """One member row, as a chain switching to us would fill the template."""
    lunar = rng.random() < 0.1
    gold = rng.random() < 0.1
    name = (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    )
    birthday = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000))
    number = offset + index
    return {
        "name": name,
        "is_member": "True",
        "member_mobile": str(MOBILE_BASE + number),
        "member_gender": rng.choice(("male", "female")),
        "birthday_calendar": "lunar" if lunar else "solar",
        "birthday": None if lunar else birthday.isoformat(),
        "birthday_lunar_month": rng.randint(1, 12) if lunar else None,
        "birthday_lunar_day": rng.randint(1, 28) if lunar else None,
        "birthday_lunar_leap": "False" if lunar else None,
        "member_level_id": "Gold" if gold else rng.choice(LEVELS),
        "email": f"member{number}@example.com" if rng.random() < 0.3 else None,
        "sms_consent": "True" if rng.random() < 0.6 else "False",
        "member_card_ids/name": str(CARD_NUMBER_BASE + number),
        "member_card_ids/type_id": "Gold Card" if gold else "Personal Card",
        "member_card_ids/chip_uid": f"{0x04000000 + number:08X}" if gold else None,
    }


def build_file(args, sheet_title, header, offset):
    import openpyxl  # noqa: PLC0415

    rng = random.Random(args.seed)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append(header)
    for index in range(args.rows):
        row = member_row(index, offset, rng)
        unknown = set(header) - set(row)
        if unknown:
            raise benchlib.BenchError(
                f"the template has columns this script does not fill: {unknown}"
            )
        sheet.append([row[column] for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_context(env):
    """The context of the Members menu's import screen."""
    action = env.ref("member_base.action_member_partner", raise_if_not_found=False)
    context = {
        "lang": "en_US",
        "tz": "Asia/Shanghai",
        "allowed_company_ids": [env.company.id],
        "tracking_disable": True,
    }
    if action:
        from odoo.tools.safe_eval import safe_eval  # noqa: PLC0415

        context.update(safe_eval(action.context or "{}"))
    else:
        context.update(
            default_is_member=True, default_company_id=False, default_company_type="person"
        )
    return context


def run_import(args, content, header, dryrun, timer):
    """Batches of ``execute_import`` as the import screen sends them; returns
    the created ids and the per-batch durations."""
    from odoo import api  # noqa: PLC0415

    registry = benchlib.odoo_registry(args)
    with registry.cursor() as cr:
        env = api.Environment(cr, 1, {})
        admin = env.ref("base.user_admin")
        env = api.Environment(cr, admin.id, {})
        context = import_context(env)
        record = (
            env["base_import.import"]
            .with_context(context)
            .create(
                {
                    "res_model": "res.partner",
                    "file": content,
                    "file_name": "members.xlsx",
                    "file_type": XLSX_MIMETYPE,
                }
            )
        )
        preview = record.parse_preview(
            {
                "has_headers": True,
                "advanced": True,
                "keep_matches": False,
                "limit": args.batch,
                "skip": 0,
                "sheet": "",
                "tracking_disable": True,
                "date_format": "",
                "datetime_format": "",
                "float_thousand_separator": ",",
                "float_decimal_separator": ".",
                "quoting": '"',
                "separator": "",
                "encoding": "",
            }
        )
        if preview.get("error"):
            raise benchlib.BenchError(f"parse_preview: {preview['error']}")
        options = dict(
            preview["options"],
            fallback_values={},
            name_create_enabled_fields={},
            import_set_empty_fields=[],
            import_skip_records=[],
            limit=args.batch,
            has_headers=True,
            advanced=True,
            keep_matches=False,
            tracking_disable=True,
        )
        import_id, uid = record.id, admin.id
    fields = list(header)
    columns = [name.strip().lower() for name in header]
    ids, batches, skip = [], [], 0
    label = "dry run" if dryrun else "import"
    with timer.phase(f"{label} ({args.rows:,} rows, batches of {args.batch:,})"):
        while True:
            started = time.monotonic()
            with registry.cursor() as cr:
                env = api.Environment(cr, uid, context)
                result = (
                    env["base_import.import"]
                    .browse(import_id)
                    .execute_import(fields, columns, dict(options, skip=skip), dryrun=dryrun)
                )
            errors = [m for m in result.get("messages", []) if m.get("type") == "error"]
            if errors:
                raise benchlib.BenchError(f"{label}: {len(errors)} errors, first: {errors[:3]}")
            ids += result.get("ids") or []
            batches.append(time.monotonic() - started)
            print(
                f"   batch at row {skip + 1:,}: {len(result.get('ids') or []):,} records in "
                f"{batches[-1]:.1f} s",
                flush=True,
            )
            if not result.get("nextrow") or len(batches) > args.rows // max(args.batch, 1) + 2:
                break
            skip = result["nextrow"]
    return ids, batches


def verify(args, ids, offset):
    from odoo import api  # noqa: PLC0415

    numbers = [str(CARD_NUMBER_BASE + offset + i) for i in range(args.rows)]
    with benchlib.odoo_registry(args).cursor() as cr:
        env = api.Environment(cr, 1, {})
        partners = env["res.partner"].browse(ids).exists()
        members = partners.filtered(lambda p: p.is_member and p.member_source == "import")
        cards = env["member.card"].search([("name", "in", numbers)])
        active = cards.filtered(lambda c: c.state == "active" and c.partner_id)
        logs = env["member.operation.log"].search_count([("partner_id", "in", partners.ids)])
        numbered = len(set(members.mapped("member_number")) - {False})
    return {
        "members": len(members),
        "cards": len(cards),
        "active cards": len(active),
        "member numbers": numbered,
        "operation log lines": logs,
    }


def main(argv=None):
    args = parse_args(argv)
    benchlib.check_loopback(args.db_host)
    benchlib.check_bench_db_name(args.db)
    timer = benchlib.Timer()
    offset = 0
    if args.reuse_db:
        if benchlib.module_state(args, "member_base") != "installed":
            raise benchlib.BenchError(f"member_base is not installed in {args.db}")
        offset = int(time.time()) % 100_000 * 1000
    else:
        with timer.phase(f"fresh database {args.db} with member_base"):
            benchlib.drop_db(args, args.db)
            log = Path(f"/tmp/{args.db}_install.log")
            benchlib.install_modules(args, ["member_base"], log)
    sheet_title, header = template_header(args)
    print(f"Template columns: {', '.join(header)}")
    with timer.phase(f"generate xlsx ({args.rows:,} rows)"):
        content = build_file(args, sheet_title, header, offset)
    if args.file:
        Path(args.file).write_bytes(content)
    print(f"   {len(content) / 1024:,.0f} KiB")
    if args.test_first:
        _ids, test_batches = run_import(args, content, header, True, timer)
        test_time = sum(test_batches)
    ids, batches = run_import(args, content, header, False, timer)
    import_time = sum(batches)
    with timer.phase("verify"):
        counts = verify(args, ids, offset)
    timer.report()
    print("\nCounts after the import")
    for name, count in counts.items():
        print(f"  {name:<22}{count:>10,}")
    if args.test_first:
        print(
            f"\nTest (dry run): {args.rows:,} rows in {test_time:.1f} s = "
            f"{args.rows / test_time:,.0f} rows/s"
        )
    print(
        f"\nImport: {args.rows:,} members with their cards in {import_time:.1f} s = "
        f"{args.rows / import_time:,.0f} rows/s ({len(batches)} batches)"
    )
    expected = {
        "members": args.rows,
        "cards": args.rows,
        "active cards": args.rows,
        "member numbers": args.rows,
    }
    wrong = {k: counts[k] for k, v in expected.items() if counts[k] != v}
    if wrong:
        print(f"FAILED: expected {args.rows} of each, got {wrong}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    benchlib.run(main)
