import json

from odoo import http
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.http import content_disposition, request

from ..models.member_report_mixin import XLSX_MIME


class MemberReportController(http.Controller):
    @http.route("/member_reports/xlsx", type="http", auth="user", methods=["GET"], readonly=True)
    def export_xlsx(self, model=None, domain="[]", per_store=None, **kwargs):
        """The formatted Excel file of a membership report for ``domain``
        (one sheet per store with ``per_store=1``), with the rights of the
        user (store rules apply); read-only, so that it is served from a
        replica when one is configured."""
        registry = request.env.registry
        if (
            not isinstance(model, str)
            or model not in registry
            or model not in registry.descendants(["member.report.mixin"], "_inherit")
            or registry[model]._abstract
        ):
            raise request.not_found()
        try:
            domain = json.loads(domain)
        except ValueError:
            raise request.not_found() from None
        if not isinstance(domain, list):
            raise request.not_found()
        report = request.env[model]
        try:
            Domain(domain).validate(report)
        except (ValueError, TypeError) as error:
            raise UserError(
                request.env._("These filters cannot be exported: %(error)s", error=str(error))
            ) from error
        content = report._report_xlsx(domain, per_store=per_store == "1")
        return request.make_response(
            content,
            headers=[
                ("Content-Type", XLSX_MIME),
                ("Content-Disposition", content_disposition(report._report_filename())),
            ],
        )
