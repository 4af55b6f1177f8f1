import datetime
import io
import json
from copy import copy
from urllib.parse import urlencode

import pytz

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, MissingError
from odoo.fields import Domain
from odoo.tools import SQL

try:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
except ImportError:  # pragma: no cover - declared in external_dependencies
    Workbook = None

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
INTEGER_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# rows read per query while an export streams (keyset pages on id)
EXPORT_BATCH = 2000
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
            if field.store and not field.automatic and name not in ("currency_id",)
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
        written by openpyxl in write-only (streaming) mode: rows are read in
        pages and written as they come, never held all in memory. With
        ``per_store``, one sheet per store of those rows. ``progress`` (the
        background export's) is called with the rows written so far after
        each page."""
        counter = [0]

        def advance(rows):
            counter[0] += rows
            if progress:
                progress(counter[0])

        workbook = Workbook(write_only=True)
        stores = []
        if per_store and "company_id" in self._fields:
            stores = [company for (company,) in self._read_group(domain, ["company_id"])]
        titles = set()
        for company in stores:
            title = self._report_sheet_title(company.sudo().display_name, titles)
            self._report_xlsx_sheet(
                workbook, [*domain, ("company_id", "=", company.id)], title, advance
            )
        if not stores:
            self._report_xlsx_sheet(
                workbook, domain, self._report_sheet_title(None, titles), advance
            )
        output = io.BytesIO()
        workbook.save(output)
        return output.getvalue()

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

    def _report_xlsx_sheet(self, workbook, domain, title, advance=None):
        """Write the sheet ``title`` of the rows of ``domain``: the report's
        title, the filters used, who exported it and when, the header, the
        rows and the totals."""
        names = self._report_export_fields()
        sums = self._report_sum_fields(names)
        info = self.fields_get(names, ["string", "type", "selection", "name", "relation"])
        sheet = workbook.create_sheet(title=title)
        bold = Font(bold=True)
        widths = []
        for name in names:
            label = info[name]["string"]
            text_width = sum(2 if ord(char) > 0x2E80 else 1 for char in label) + 2
            kind = info[name]["type"]
            default = {
                "monetary": 14,
                "float": 14,
                "integer": 10,
                "date": 12,
                "datetime": 20,
                "boolean": 8,
            }.get(kind, 22)
            widths.append(max(text_width, default))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = f"A{HEADER_ROW + 1}"

        def styled(value, style):
            written = WriteOnlyCell(sheet, value=value)
            written._style = copy(style)
            return written

        def cell(value, font=None, number_format=None, fill=None):
            written = WriteOnlyCell(sheet, value=value)
            if font:
                written.font = font
            if number_format:
                written.number_format = number_format
            if fill:
                written.fill = fill
            return written

        user = self.env.user
        sheet.append([cell(self._report_title(), font=Font(bold=True, size=14))])
        sheet.append(
            [cell(self.env._("Filters: %(filters)s", filters=self._report_filter_text(domain)))]
        )
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now()).replace(tzinfo=None)
        sheet.append(
            [
                cell(
                    self.env._(
                        "Exported by %(user)s on %(date)s",
                        user=user.name,
                        date=now.strftime("%Y-%m-%d %H:%M"),
                    )
                )
            ]
        )
        header_fill = PatternFill("solid", start_color="DDEBF7")
        sheet.append(
            [
                self._report_header_cell(cell, info[name]["string"], bold, header_fill)
                for name in names
            ]
        )
        formats = {name: self._report_number_format(info[name]["type"]) for name in names}
        selections = {
            name: dict(info[name].get("selection") or [])
            for name in names
            if info[name]["type"] == "selection"
        }
        yes, no = self.env._("Yes"), self.env._("No")
        if self._report_xlsx_groupby:
            for values in self._report_xlsx_groups(domain, names, info, selections, yes, no):
                sheet.append(
                    [
                        cell(value, number_format=formats[name])
                        for name, value in zip(names, values, strict=True)
                    ]
                )
        else:
            # the names of what rows link to (stores, members, cards…), read once
            # per page and model for the ids not met yet
            names_cache = {}
            # a cell's style set once per number format and copied onto each
            # cell (assigning number_format looks the format up each time)
            styles = {}
            for number_format in {f for f in formats.values() if f}:
                styles[number_format] = cell(0, number_format=number_format)._style
            converters = [
                (
                    name,
                    styles.get(formats[name]),
                    self._report_xlsx_converter(info[name], selections, yes, no),
                )
                for name in names
            ]
            linked = [name for name in names if info[name]["type"] == "many2one"]
            for page in self._report_xlsx_pages(domain, names):
                rows = page.read(names, load=None)
                self._report_xlsx_link_names(rows, linked, info, names_cache)
                for values in rows:
                    sheet.append(
                        [
                            styled(convert(values[name]), style) if style else convert(values[name])
                            for name, style, convert in converters
                        ]
                    )
                if advance:
                    advance(len(rows))
        totals = self._read_group(domain, [], [f"{name}:sum" for name in sums])[0] if sums else ()
        total_by_name = dict(zip(sums, totals, strict=True))
        total_row = []
        for index, name in enumerate(names):
            if name in total_by_name:
                total_row.append(
                    cell(total_by_name[name] or 0, font=bold, number_format=formats[name])
                )
            else:
                total_row.append(cell(self.env._("Total") if index == 0 else None, font=bold))
        sheet.append(total_row)

    def _report_xlsx_pages(self, domain, names):
        """The rows of ``domain`` in pages of ``EXPORT_BATCH``, in date order
        (keyset pagination on ``(date, id)``, which the date index serves:
        each page reads its own rows, never the rows before it), else in id
        order. Each page is dropped from the cache once written."""
        dated = "date" in self._fields and self._fields["date"].store
        order = "date, id" if dated else "id"
        after = Domain.TRUE
        while True:
            page = self.search_fetch(Domain(domain) & after, names, order=order, limit=EXPORT_BATCH)
            if not page:
                return
            yield page
            last = page[-1]
            if dated:
                after = Domain("date", ">=", last.date) & ~(
                    Domain("date", "=", last.date) & Domain("id", "<=", last.id)
                )
            else:
                after = Domain("id", ">", last.id)
            page.invalidate_recordset()

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

    def _report_xlsx_link_names(self, rows, linked, info, cache):
        """Replace in ``rows`` (``read(load=None)``: ids) the ids of the
        many2one columns ``linked`` by the display names of their records,
        computed in one batch per model for the ids not in ``cache``."""
        for name in linked:
            model = info[name]["relation"]
            known = cache.setdefault(model, {})
            missing = {row[name] for row in rows if row[name] and row[name] not in known}
            if missing:
                records = self.env[model].sudo().browse(sorted(missing))
                known.update((record.id, record.display_name) for record in records)
        for row in rows:
            for name in linked:
                if row[name]:
                    row[name] = cache[info[name]["relation"]].get(row[name])

    def _report_xlsx_converter(self, info, selections, yes, no):
        """The function giving a column's value (as ``read()`` returns it) as
        the Excel file shows it: a name, the label of a choice, a local date
        and time, a number."""
        kind = info["type"]
        if kind == "many2one":
            return lambda value: value or None
        if kind == "selection":
            labels = selections[info["name"]]
            return lambda value: labels.get(value, value) or None
        if kind == "datetime":
            zone = self.env.tz  # a tzinfo: the context's, else the user's, else UTC

            def local(value):
                if not value:
                    return None
                moment = fields.Datetime.to_datetime(value)
                return pytz.utc.localize(moment).astimezone(zone).replace(tzinfo=None)

            return local
        if kind == "date":
            return lambda value: fields.Date.to_date(value) if value else None
        if kind == "boolean":
            return lambda value: yes if value else no
        if kind in ("monetary", "float", "integer"):
            return lambda value: value or 0
        return lambda value: value or None

    @staticmethod
    def _report_header_cell(cell, label, font, fill):
        written = cell(label, font=font, fill=fill)
        written.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        return written

    @staticmethod
    def _report_number_format(kind):
        return {
            "monetary": MONEY_FORMAT,
            "float": MONEY_FORMAT,
            "integer": INTEGER_FORMAT,
            "date": DATE_FORMAT,
            "datetime": DATETIME_FORMAT,
        }.get(kind)

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
