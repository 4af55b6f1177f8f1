import base64
import json
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.modules import module as odoo_module

from .member_report_mixin import XLSX_MIME

_logger = logging.getLogger(__name__)

# rows above which "Export to Excel" runs in the background (a parameter
# member_reports.export_background_rows overrides it)
BACKGROUND_ROWS = 20000
# done and failed exports are deleted, with their files, after this many days
KEEP_DAYS = 7


class MemberReportExport(models.Model):
    """A long Excel export of a membership report, run in the background by
    a cron (the job mechanism member_marketing's campaigns use: an
    ``ir.cron`` triggered on demand, progress committed as it goes) as the
    user who asked for it, with the stores and language they had then; the
    file is kept as an attachment of the export for a week. Only the
    service writes an export: users create theirs through the report's
    *Export to Excel* and read their own."""

    _name = "member.report.export"
    _description = "Membership Report Export"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    report_model = fields.Char(required=True, readonly=True)
    domain = fields.Text(required=True, readonly=True, default="[]")
    per_store = fields.Boolean(string="One Sheet per Store", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Asked By", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_ids = fields.Many2many(
        "res.company", string="Stores", readonly=True, help="The stores the user had allowed."
    )
    lang = fields.Char(readonly=True)
    state = fields.Selection(
        [("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    rows_total = fields.Integer(string="Rows", readonly=True)
    rows_done = fields.Integer(string="Rows Written", readonly=True)
    progress = fields.Float(compute="_compute_progress", string="Progress (%)")
    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True)
    file_name = fields.Char(readonly=True)
    date_done = fields.Datetime(string="Finished", readonly=True)
    error = fields.Text(readonly=True)

    @api.depends("rows_total", "rows_done", "state")
    def _compute_progress(self):
        for export in self:
            if export.state == "done":
                export.progress = 100.0
            elif export.rows_total:
                export.progress = round(100.0 * export.rows_done / export.rows_total, 1)
            else:
                export.progress = 0.0

    # ------------------------------------------------------------------
    # Only the service writes
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(self.env._("Exports are started from a report's Export to Excel."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(self.env._("An export is written by the export job only."))
        return super().write(vals)

    # ------------------------------------------------------------------
    # Queue and run
    # ------------------------------------------------------------------

    @api.model
    def _background_rows(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("member_reports.export_background_rows")
        )
        try:
            return max(int(value), 0) if value else BACKGROUND_ROWS
        except ValueError:
            return BACKGROUND_ROWS

    @api.model
    def _enqueue(self, report, domain, per_store, rows):
        """Queue the export of ``report``'s rows of ``domain`` for the
        current user and wake the export job up; the export record."""
        export = self.sudo().create(
            {
                "name": self.env._(
                    "%(report)s (%(count)s rows)", report=report._report_title(), count=rows
                ),
                "report_model": report._name,
                "domain": json.dumps(domain),
                "per_store": per_store,
                "user_id": self.env.uid,
                "company_ids": [fields.Command.set(self.env.companies.ids)],
                "lang": self.env.lang,
                "rows_total": rows,
            }
        )
        self.env.ref("member_reports.ir_cron_member_report_export")._trigger()
        return export.sudo(False)

    @api.model
    def _cron_run(self):
        """Run the queued exports one by one (each claimed with ``SKIP
        LOCKED``, so two cron workers never run the same one), then delete
        the exports older than a week with their files."""
        cron = self.env["ir.cron"]
        while True:
            self.env.cr.execute(
                "SELECT id FROM member_report_export WHERE state = 'queued'"
                " ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
            )
            row = self.env.cr.fetchone()
            if not row:
                break
            export = self.browse(row[0])
            export.write({"state": "running", "rows_done": 0})
            cron._commit_progress(0)
            export._run()
            if not cron._commit_progress(1):
                return
        self._delete_old()

    @api.model
    def _delete_old(self):
        """Delete the exports finished more than a week ago, with their files."""
        old = self.search(
            [
                ("state", "in", ("done", "failed")),
                ("date_done", "<", fields.Datetime.subtract(fields.Datetime.now(), days=KEEP_DAYS)),
            ]
        )
        old.attachment_id.unlink()
        old.unlink()

    def _run(self):
        """Write the file as the user who asked, with their stores and
        language (their store rules apply), and keep it."""
        self.ensure_one()
        user = self.user_id
        env = self.env(
            user=user.id,
            su=False,
            context=dict(
                self.env.context,
                lang=self.lang or user.lang,
                allowed_company_ids=(self.company_ids & user.company_ids).ids
                or user.company_id.ids,
            ),
        )
        report = env[self.report_model]
        try:
            with self.env.cr.savepoint():
                domain = json.loads(self.domain)
                Domain(domain).validate(report)
                content = report._report_xlsx(
                    domain, per_store=self.per_store, progress=self._progress
                )
        except Exception as error:  # noqa: BLE001 - recorded on the export, shown to the user
            _logger.warning("Export %s of %s failed: %s", self.id, self.report_model, error)
            self.write({"state": "failed", "error": str(error), "date_done": fields.Datetime.now()})
            self._notify(failed=True)
            return
        file_name = report._report_filename()
        attachment = self.env["ir.attachment"].create(
            {
                "name": file_name,
                "datas": base64.b64encode(content),
                "mimetype": XLSX_MIME,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        self.write(
            {
                "state": "done",
                "attachment_id": attachment.id,
                "file_name": file_name,
                "rows_done": self.rows_total,
                "date_done": fields.Datetime.now(),
            }
        )
        self._notify()

    def _progress(self, rows):
        """Record ``rows`` written so far, in a transaction of its own, so
        that the user sees the export move while its own transaction (one
        snapshot for the whole file) goes on."""
        if odoo_module.current_test:
            return
        with self.env.registry.cursor() as cr:
            cr.execute(
                "UPDATE member_report_export SET rows_done = %s WHERE id = %s", [rows, self.id]
            )

    def _notify(self, failed=False):
        message = (
            self.env._("The export %s failed: see My Exports.", self.name)
            if failed
            else self.env._("The export %s is ready: download it from My Exports.", self.name)
        )
        self.user_id._bus_send(
            "simple_notification",
            {
                "type": "danger" if failed else "success",
                "title": self.env._("Membership Reports"),
                "message": message,
                "sticky": True,
            },
        )

    # ------------------------------------------------------------------
    # The user's side
    # ------------------------------------------------------------------

    def action_download(self):
        self.ensure_one()
        if self.state != "done" or not self.attachment_id:
            raise UserError(self.env._("This export has no file yet."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "download",
        }
