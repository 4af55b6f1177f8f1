from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import SQL

# the kinds of automatic tag rule that segment the members (member_marketing)
SEGMENT_KINDS = ("rfm", "pyramid")
# a row's id: its rule's id times 2^31 plus its member's id (a bigint); a
# partner's id is an int4 (below 2^31), so no two rows share an id whatever
# the number of partners, and the id of a member's row in a segment stays the
# same however the tags are recomputed. Below 2^53 (what a browser's numbers
# hold exactly) while rule ids stay below 2^22.
ROW_ID_FACTOR = 2**31


class MemberReportSegment(models.Model):
    """RFM segments and the A/B/C/D pyramid (head office): one row per
    member and segment tag that member_marketing's automatic tag rules of
    kind RFM or pyramid gave them (the nightly recompute keeps the tags
    current), in the store the member registered in, with the member's
    stored value and points now; the pivot counts members per segment and
    store and what they hold."""

    _name = "member.report.segment"
    _inherit = ["member.report.mixin"]
    _description = "Member Segments (RFM and Pyramid)"
    _auto = False
    _order = "rule_id, partner_id, id"
    _depends = {
        "member.tag.rule": ["kind", "category_id", "active", "sequence"],
        "res.partner": [
            "category_id",
            "is_member",
            "member_level_id",
            "member_register_company_id",
        ],
        "member.wallet": ["partner_id", "balance", "points"],
        "res.company": ["parent_id", "currency_id"],
    }
    _report_xlsx_fields = (
        "kind",
        "rule_id",
        "tag_id",
        "company_id",
        "partner_id",
        "level_id",
        "member_count",
        "balance",
        "points",
    )

    kind = fields.Selection(
        [("rfm", "RFM Score"), ("pyramid", "A/B/C/D Pyramid")], string="Segmentation", readonly=True
    )
    rule_id = fields.Many2one("member.tag.rule", string="Rule", readonly=True)
    tag_id = fields.Many2one("res.partner.category", string="Segment", readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    region_id = fields.Many2one("res.company", string="Region", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    level_id = fields.Many2one("member.level", string="Level", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    member_count = fields.Integer(string="Members", readonly=True)
    balance = fields.Monetary(string="Stored Value", readonly=True)
    points = fields.Integer(readonly=True)

    def _report_query(self):
        return SQL(
            """
            SELECT r.id::bigint * %(factor)s + rel.partner_id AS id,
                   r.kind AS kind, r.id AS rule_id, r.category_id AS tag_id,
                   c.id AS company_id, c.parent_id AS region_id,
                   p.id AS partner_id, p.member_level_id AS level_id,
                   c.currency_id AS currency_id, 1 AS member_count,
                   COALESCE(w.balance, 0) AS balance, COALESCE(w.points, 0) AS points
              FROM member_tag_rule r
              JOIN res_partner_res_partner_category_rel rel ON rel.category_id = r.category_id
              JOIN res_partner p ON p.id = rel.partner_id AND p.is_member AND p.active
              JOIN res_company c ON c.id = p.member_register_company_id
              LEFT JOIN LATERAL (
                    SELECT SUM(balance) AS balance, SUM(points) AS points
                      FROM member_wallet WHERE partner_id = p.id) w ON TRUE
             WHERE r.active AND r.kind IN %(kinds)s
            """,
            kinds=SEGMENT_KINDS,
            factor=ROW_ID_FACTOR,
        )

    def _search(self, domain, *args, **kwargs):
        """A search of ids (an export of the rows selected, a reload) also
        names their rules and members, which the view can look up through
        the tags' index instead of computing every row's id."""

        def by_parts(condition):
            ids = condition.value
            if condition.field_expr != "id" or condition.operator not in ("=", "in"):
                return condition
            if isinstance(ids, int):
                ids = [ids]
            elif isinstance(ids, (list, tuple, set, frozenset)):
                ids = list(ids)
            else:  # a subquery, …
                return condition
            if not ids or not all(isinstance(i, int) and i > 0 for i in ids):
                return condition
            rules = sorted({i // ROW_ID_FACTOR for i in ids})
            partners = sorted({i % ROW_ID_FACTOR for i in ids})
            return condition & Domain("rule_id", "in", rules) & Domain("partner_id", "in", partners)

        return super()._search(Domain(domain).map_conditions(by_parts), *args, **kwargs)
