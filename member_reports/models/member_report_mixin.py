import contextlib
import datetime
import decimal
import json
import tempfile
import threading
import uuid
from urllib.parse import urlencode

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, MissingError
from odoo.tools import SQL

from ..tools.read_ahead import read_ahead
from ..tools.xlsx_stream import (
    BOLD,
    BOLD_NUMBER_STYLES,
    HEADER,
    NUMBER_STYLES,
    PLAIN,
    TITLE,
    TextTails,
    XlsxStream,
    column_letter,
    number_cell,
    page_renderer,
    serial,
    text_cell,
)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# rows read per query while an export streams (keyset pages on date and id)
EXPORT_BATCH = 5000
# names of linked records kept from one page to the next, per model
NAMES_KEPT = 20000
# rendered texts kept per column
TEXTS_KEPT = 20000
# the Excel kind of a field type: number formats and how a value is written
XLSX_KINDS = {
    "monetary": "money",
    "float": "money",
    "integer": "integer",
    "date": "date",
    "datetime": "datetime",
}
# the first row of data: title, filters, exported by/on, header
HEADER_ROW = 4
# a selection of at most this many records exports as such; a larger one
# (the whole domain selected) exports the filters themselves
EXPORT_MAX_IDS = 500


class MemberReportMixin(models.AbstractModel):
    """What every membership report shares: a read-only model over a SQL
    view (``_report_query``, created in ``init``), and its formatted Excel
    export (``_report_xlsx``) of the rows of a domain, with the report's
    title, the filters used, a header in the user's language, number and
    date formats, totals, a frozen header and column widths.

    Every read is read-only (the ORM's search/read/read_group and the
    export are ``@api.readonly``), so that with ``db_replica_host`` set Odoo
    serves them from a PostgreSQL replica.
    """

    _name = "member.report.mixin"
    _description = "Membership Report"
    _auto = False
    _order = "id desc"

    # the columns of the Excel export, in order (default: every stored field
    # but the technical ones)
    _report_xlsx_fields = ()
    # group the rows of the Excel export by these (``day:day``, ``company_id``):
    # one row per group, the other columns summed; default: one row per record
    _report_xlsx_groupby = ()

    def _report_query(self):
        """The SELECT of the report's view (an ``SQL``), with an ``id``."""
        raise NotImplementedError

    def init(self):
        if self._abstract:
            return
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._report_query(),
            )
        )

    # ------------------------------------------------------------------
    # Excel
    # ------------------------------------------------------------------

    def action_export_xlsx(self, per_store=False):
        """The formatted Excel file of the rows shown: the list's filters
        (``active_domain``), or the records selected; with ``per_store``, one
        sheet per store. More rows than ``member.report.export``'s threshold
        are exported in the background (the user is told, and finds the file
        under My Exports)."""
        domain = list(self.env.context.get("active_domain") or [])
        if self and len(self) <= EXPORT_MAX_IDS:
            domain = [("id", "in", self.ids), *domain]
        Export = self.env["member.report.export"]
        threshold = Export._background_rows()
        rows = self.search_count(domain, limit=threshold + 1) if threshold else 0
        if threshold and rows > threshold:
            export = Export._enqueue(self, domain, bool(per_store), self.search_count(domain))
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "title": self.env._("Export in the background"),
                    "message": self.env._(
                        "%(rows)s rows: the file is being written in the background. You will be "
                        "told when it is ready; it waits for you under Reports > My Exports.",
                        rows=export.rows_total,
                    ),
                    "sticky": False,
                    "next": {
                        "type": "ir.actions.act_window",
                        "res_model": "member.report.export",
                        "views": [[False, "list"], [False, "form"]],
                        "name": self.env._("My Exports"),
                    },
                },
            }
        params = {"model": self._name, "domain": json.dumps(domain)}
        if per_store:
            params["per_store"] = "1"
        query = urlencode(params)
        return {
            "type": "ir.actions.act_url",
            "url": f"/member_reports/xlsx?{query}",
            "target": "download",
        }

    def action_export_xlsx_per_store(self):
        """The formatted Excel file of the rows shown, one sheet per store."""
        return self.action_export_xlsx(per_store=True)

    def _report_export_fields(self):
        names = self._report_xlsx_fields or [
            name
            for name, field in self._fields.items()
            if field.store
            and field.column_type
            and not field.automatic
            and name not in ("currency_id",)
        ]
        return list(names)

    def _report_sum_fields(self, names):
        return [
            name
            for name in names
            if self._fields[name].type in ("monetary", "float", "integer")
            and self._fields[name].aggregator == "sum"
        ]

    def _report_filename(self):
        today = fields.Date.context_today(self)
        return f"{self._report_title()}-{today}.xlsx".replace("/", "-")

    def _report_title(self):
        return self.env["ir.model"]._get(self._name).with_context(lang=self.env.lang).name

    @api.readonly
    def _report_xlsx(self, domain, per_store=False, progress=None):
        """The Excel file (bytes) of the report's rows matching ``domain``,
        streamed (``tools/xlsx_stream.py``): rows are read in pages of plain
        SQL (the ORM's search, so the record rules apply) and written as they
        come, never held all in memory. With ``per_store``, one sheet per
        store of those rows. ``progress`` (the background export's) is
        called with the rows written so far after each page."""
        counter = [0]

        def advance(rows):
            counter[0] += rows
            if progress:
                progress(counter[0])

        # the file is written on disk as it goes, then read once: the memory
        # holds it once, not a buffer and its copy
        with tempfile.TemporaryFile() as output:
            with XlsxStream(output) as book:
                stores = []
                if per_store and "company_id" in self._fields:
                    stores = [company for (company,) in self._read_group(domain, ["company_id"])]
                titles = set()
                for company in stores:
                    title = self._report_sheet_title(company.sudo().display_name, titles)
                    self._report_xlsx_sheet(
                        book, [*domain, ("company_id", "=", company.id)], title, advance
                    )
                if not stores:
                    self._report_xlsx_sheet(
                        book, domain, self._report_sheet_title(None, titles), advance
                    )
            output.seek(0)
            return output.read()

    def _report_sheet_title(self, name, taken):
        """A sheet title Excel accepts (31 characters, none of ``[]:*?/\\``),
        unique in the workbook; default: the report's title."""
        title = "".join(
            " " if char in "[]:*?/\\" else char for char in name or self._report_title()
        )
        title = title.strip()[:31] or "Sheet"
        candidate, number = title, 2
        while candidate.lower() in taken:
            suffix = f" ({number})"
            candidate, number = title[: 31 - len(suffix)] + suffix, number + 1
        taken.add(candidate.lower())
        return candidate

    def _report_xlsx_sheet(self, book, domain, title, advance=None):
        """Write the sheet ``title`` of the rows of ``domain``: the report's
        title, the filters used, who exported it and when, the header, the
        rows and the totals."""
        names = self._report_export_fields()
        sums = self._report_sum_fields(names)
        info = self.fields_get(names, ["string", "type", "selection", "name", "relation"])
        kinds = [XLSX_KINDS.get(info[name]["type"]) for name in names]
        letters = [column_letter(index) for index in range(len(names))]
        widths = []
        for name in names:
            label = info[name]["string"]
            text_width = sum(2 if ord(char) > 0x2E80 else 1 for char in label) + 2
            default = {
                "monetary": 14,
                "float": 14,
                "integer": 10,
                "date": 12,
                "datetime": 20,
                "boolean": 8,
            }.get(info[name]["type"], 22)
            widths.append(max(text_width, default))
        sheet = book.sheet(title, widths=widths, frozen_rows=HEADER_ROW)
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now()).replace(tzinfo=None)
        exported = self.env._(
            "Exported by %(user)s on %(date)s",
            user=self.env.user.name,
            date=now.strftime("%Y-%m-%d %H:%M"),
        )
        filters = self.env._("Filters: %(filters)s", filters=self._report_filter_text(domain))
        sheet.row([text_cell("A1", self._report_title(), TITLE)])
        sheet.row([text_cell("A2", filters)])
        sheet.row([text_cell("A3", exported)])
        sheet.row(
            [
                text_cell(f"{letter}{HEADER_ROW}", info[name]["string"], HEADER)
                for letter, name in zip(letters, names, strict=True)
            ]
        )
        selections = {
            name: dict(info[name].get("selection") or [])
            for name in names
            if info[name]["type"] == "selection"
        }
        yes, no = self.env._("Yes"), self.env._("No")
        total_by_name = None
        if self._report_xlsx_groupby:
            for values in self._report_xlsx_groups(domain, names, info, selections, yes, no):
                row = sheet.next_row()
                sheet.row(
                    [
                        _xlsx_value_cell(f"{letter}{row}", kind, value)
                        for letter, kind, value in zip(letters, kinds, values, strict=True)
                    ]
                )
        else:
            total_by_name = self._report_xlsx_rows(
                sheet, domain, names, info, selections, yes, no, advance, sums
            )
        if total_by_name is None:
            totals = self._read_group(domain, [], [f"{n}:sum" for n in sums])[0] if sums else ()
            total_by_name = dict(zip(sums, totals, strict=True))
        row = sheet.next_row()
        total_row = []
        for index, name in enumerate(names):
            ref = f"{letters[index]}{row}"
            if name in total_by_name:
                style = BOLD_NUMBER_STYLES.get(kinds[index], BOLD)
                total_row.append(number_cell(ref, total_by_name[name] or 0, style))
            elif index == 0:
                total_row.append(text_cell(ref, self.env._("Total"), BOLD))
        sheet.row(total_row)

    def _report_xlsx_rows(self, sheet, domain, names, info, selections, yes, no, advance, sums=()):
        """The rows of ``domain`` into ``sheet``, a page at a time: each
        column read in SQL as the file shows it (numbers, Excel serial dates
        and local times, as text: nothing to convert in Python), the names of
        linked records read once per page, each page rendered by one
        function made for the columns (``page_renderer``).

        Returns ``{name: total}`` of the ``sums`` columns, added up exactly
        from the rows written (the figures PostgreSQL's SUM gives, without
        reading the rows a second time) when they are all decimal or integer
        columns; else ``None`` (floating-point sums depend on their order:
        the caller asks PostgreSQL)."""
        table = self._table
        zone = str(self.env.tz)
        columns, kinds, tails = [], [], []
        linked = {}  # column index: model of a many2one (names read per page)
        cache = {}  # model: {id: name}, what the many2one columns' tails show
        for index, name in enumerate(names):
            column = SQL.identifier(table, name)
            kind = info[name]["type"]
            if kind in ("monetary", "float", "integer"):
                columns.append(SQL("COALESCE(%s, 0)::text", column))
                kinds.append(("number", NUMBER_STYLES[XLSX_KINDS[kind]]))
            elif kind == "date":
                columns.append(SQL("(%s - DATE '1899-12-30')::text", column))
                kinds.append(("optional", NUMBER_STYLES["date"]))
            elif kind == "datetime":
                # a double's shortest text, as Python writes a float
                columns.append(
                    SQL(
                        "(EXTRACT(EPOCH FROM (%s AT TIME ZONE 'UTC' AT TIME ZONE %s))"
                        " / 86400.0 + 25569)::float8::text",
                        column,
                        zone,
                    )
                )
                kinds.append(("optional", NUMBER_STYLES["datetime"]))
            else:
                columns.append(column)
                kinds.append(("text", PLAIN))
                if kind == "selection":
                    labels = selections[name]
                    label = lambda value, labels=labels: labels.get(value, value)  # noqa: E731
                elif kind == "boolean":
                    label = {True: yes, False: no, None: no}.get
                elif kind == "many2one":
                    linked[index] = info[name]["relation"]
                    label = cache.setdefault(linked[index], {}).get
                else:
                    label = _same
                tails.append(TextTails(label, PLAIN, TEXTS_KEPT))
        render = page_renderer(kinds)
        exact = all(self._fields[name].column_type[0] in ("numeric", "int4") for name in sums)
        summed = [names.index(name) for name in sums] if exact else []
        totals = [decimal.Decimal(0)] * len(summed)
        dated = "date" in self._fields and self._fields["date"].store
        query = self._search(domain, order="date, id" if dated else "id")
        cr = self.env.cr
        # one statement for the whole sheet, read by pages through a cursor:
        # a plan for all the rows (cursor_tuple_fraction 1), not for the
        # first ones, and no page reading again what the others read; no JIT
        # (its cost, above the thresholds a million rows reach, is seconds of
        # compiling per sheet for a plan of index lookups it does not speed up)
        cr.execute("SET LOCAL cursor_tuple_fraction = 1")
        cr.execute("SET LOCAL jit = off")
        cursor = SQL.identifier(f"member_report_xlsx_{uuid.uuid4().hex[:12]}")
        cr.execute(SQL("DECLARE %s NO SCROLL CURSOR FOR %s", cursor, query.select(*columns)))
        cr.execute("SET LOCAL cursor_tuple_fraction TO DEFAULT")
        cr.execute("SET LOCAL jit TO DEFAULT")

        def fetch():
            cr.execute(SQL("FETCH %s FROM %s", EXPORT_BATCH, cursor))
            return cr.fetchall()

        # the next page is read (PostgreSQL computes it) while this one is
        # rendered; the cursor is used by one thread at a time (the lock)
        lock = threading.Lock()
        with contextlib.closing(read_ahead(fetch, lock)) as pages:
            for page in pages:
                with lock:
                    for index, model in linked.items():
                        self._report_xlsx_names(model, {row[index] for row in page}, cache)
                sheet.rows(render(page, sheet.next_row(), tails), len(page))
                with decimal.localcontext(prec=100):  # (exact: no rounding on the way)
                    for position, index in enumerate(summed):
                        totals[position] += sum(map(decimal.Decimal, [row[index] for row in page]))
                if advance:
                    advance(len(page))
        cr.execute(SQL("CLOSE %s", cursor))
        if not exact:
            return None
        # as the ORM gives a SUM: a float of the exact decimal total, an int
        return {
            name: int(total) if self._fields[name].column_type[0] == "int4" else float(total)
            for name, total in zip(sums, totals, strict=True)
        }

    def _report_xlsx_names(self, model, ids, cache):
        """``{id: name}`` of the records of ``model`` among ``ids``: in SQL
        where the name is a stored column (a partner's complete name, a
        record's untranslated or translated name), else their display names
        (as superuser: a row the user may see shows what it links to).
        Names are kept for the next pages, up to ``NAMES_KEPT`` per model."""
        known = cache.setdefault(model, {})
        if len(known) > NAMES_KEPT:
            known.clear()
        missing = sorted(i for i in ids if i and i not in known)
        if missing:
            Model = self.env[model].sudo()
            column = _name_column(Model)
            if column is None:
                known.update((record.id, record.display_name) for record in Model.browse(missing))
            else:
                self.env.cr.execute(
                    SQL(
                        "SELECT id, %s FROM %s WHERE id = ANY(%s)",
                        column,
                        SQL.identifier(Model._table),
                        missing,
                    )
                )
                known.update(self.env.cr.fetchall())
        return known

    def _report_xlsx_groups(self, domain, names, info, selections, yes, no):
        """The rows of a report exported grouped (``_report_xlsx_groupby``):
        one per group, its group values then the sums of its figures."""
        groupby = list(self._report_xlsx_groupby)
        sums = [name for name in names if name not in [g.split(":")[0] for g in groupby]]
        groups = self._read_group(
            domain, groupby, [f"{name}:sum" for name in sums], order=", ".join(groupby)
        )
        for group in groups:
            values = dict(zip([g.split(":")[0] for g in groupby], group, strict=False))
            values.update(zip(sums, group[len(groupby) :], strict=True))
            row = []
            for name in names:
                value = values.get(name)
                if info[name]["type"] == "many2one":
                    value = value.sudo().display_name if value else None
                row.append(value)
            yield row

    # ------------------------------------------------------------------
    # The filters, in words
    # ------------------------------------------------------------------

    def _report_filter_text(self, domain):
        """``domain`` (a list in prefix notation, as the web client sends
        it) in the user's language: ``Store = Store A; Date ≥ 2026-11-01``."""
        tokens = list(domain or [])
        if not tokens:
            return self.env._("none (every row)")

        def parse():
            token = tokens.pop(0)
            if token == "&":
                return f"{parse()}; {parse()}"
            if token == "|":
                left = parse()
                return f"({left} {self.env._('or')} {parse()})"
            if token == "!":
                return f"{self.env._('not')} ({parse()})"
            return self._report_leaf_text(token)

        parts = []
        while tokens:
            parts.append(parse())
        return "; ".join(parts)

    def _report_record_name(self, model, record_id):
        """The name of a record a filter names, if the user may read it (a
        filter sent by hand may name anything): else its number."""
        record = self.env[model].browse(record_id)
        try:
            record.check_access("read")
            return record.display_name or f"#{record_id}"
        except (AccessError, MissingError):
            return f"#{record_id}"

    def _report_leaf_text(self, leaf):
        if not isinstance(leaf, (list, tuple)) or len(leaf) != 3:
            return str(leaf)
        path, operator, value = leaf
        if path == "id" and operator == "in":
            return self.env._("%(count)s selected rows", count=len(value or ()))
        name = str(path).split(".")[0]
        field = self._fields.get(name)
        if field is None:
            return f"{path} {operator} {value}"
        label = field._description_string(self.env)
        values = value if isinstance(value, (list, tuple)) else [value]
        shown = []
        for item in values:
            if field.type in ("many2one", "many2many", "one2many") and isinstance(item, int):
                shown.append(self._report_record_name(field.comodel_name, item))
            elif field.type == "selection" and "." not in str(path):
                labels = dict(field._description_selection(self.env))
                shown.append(str(labels.get(item, item)))
            elif field.type == "datetime" and isinstance(item, str) and item:
                moment = fields.Datetime.to_datetime(item)
                local = fields.Datetime.context_timestamp(self, moment)
                shown.append(local.strftime("%Y-%m-%d %H:%M"))
            elif isinstance(item, bool):
                shown.append(self.env._("Yes") if item else self.env._("No"))
            elif isinstance(item, (datetime.date, datetime.datetime)):
                shown.append(item.isoformat())
            else:
                shown.append(str(item))
        words = {
            "=": "=",
            "!=": "≠",
            "in": "=",
            "not in": "≠",
            ">": ">",
            ">=": "≥",
            "<": "<",
            "<=": "≤",
            "ilike": self.env._("contains"),
            "not ilike": self.env._("does not contain"),
            "like": self.env._("contains"),
            "child_of": self.env._("within"),
            "parent_of": self.env._("above"),
        }
        return f"{label} {words.get(operator, operator)} {', '.join(shown)}"


def _same(value):
    return value


def _xlsx_value_cell(ref, kind, value):
    """A cell of a Python value (a grouped export's row)."""
    if kind in ("money", "integer"):
        return number_cell(ref, value or 0, NUMBER_STYLES[kind])
    if kind in ("date", "datetime"):
        return number_cell(ref, serial(value), NUMBER_STYLES[kind]) if value else ""
    if value in (None, False, ""):
        return ""
    return text_cell(ref, str(value), PLAIN)


def _name_column(Model):
    """The SQL of the name a record of ``Model`` shows, when it is a stored
    column: a partner's complete name; a record whose display name is its
    ``_rec_name`` (Odoo's default), that column (translated ones in the
    user's language); else ``None`` (the display name is computed)."""
    if Model._name == "res.partner":
        return SQL("COALESCE(complete_name, name)")
    if type(Model)._compute_display_name is not models.BaseModel._compute_display_name:
        return None
    field = Model._fields.get(Model._rec_name or "")
    if not field or not field.store or field.type != "char" or not field.column_type:
        return None
    if field.translate:
        return SQL(
            "COALESCE(%s->>%s, %s->>'en_US')",
            SQL.identifier(field.name),
            Model.env.lang or "en_US",
            SQL.identifier(field.name),
        )
    return SQL.identifier(field.name)
