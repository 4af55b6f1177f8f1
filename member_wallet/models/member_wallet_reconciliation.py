import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class MemberWalletReconciliation(models.Model):
    """A difference found by the nightly reconciliation (expected: none)
    between a wallet's stored balances and the sum of its ledger lines,
    between a package's uses left and its ledger lines, or between a
    wallet's points and the points left in its lots."""

    _name = "member.wallet.reconciliation"
    _description = "Wallet Reconciliation Difference"
    _order = "id desc"

    date = fields.Datetime(required=True, readonly=True)
    wallet_id = fields.Many2one("member.wallet", required=True, readonly=True, ondelete="cascade")
    card_id = fields.Many2one(related="wallet_id.card_id")
    asset = fields.Selection(
        [
            ("principal", "Stored Value (paid)"),
            ("bonus", "Stored Value (bonus)"),
            ("points", "Points"),
            ("package", "Package Uses"),
            ("points_lots", "Points Lots"),
        ],
        required=True,
        readonly=True,
    )
    package_id = fields.Many2one(
        "member.package", string="Package", readonly=True, ondelete="cascade"
    )
    stored = fields.Float(digits=(16, 2), readonly=True)
    ledger = fields.Float(string="Ledger Sum", digits=(16, 2), readonly=True)
    difference = fields.Float(digits=(16, 2), readonly=True)

    @api.model
    def _cron_reconcile(self):
        """Record every difference in one statement per check; returns how
        many were found."""
        self.env.flush_all()
        uid = {"uid": self.env.uid}
        found = 0
        for what, query in (
            ("Wallet", self._SQL_WALLETS),
            ("Package", self._SQL_PACKAGES),
            ("Points lots", self._SQL_POINTS_LOTS),
        ):
            self.env.cr.execute(query, uid)
            if self.env.cr.rowcount:
                _logger.warning(
                    "%s reconciliation found %s differences", what, self.env.cr.rowcount
                )
            found += self.env.cr.rowcount
        return found

    # stored balance vs. sum of ledger lines, per wallet and asset
    _SQL_WALLETS = """
        WITH sums AS (
            SELECT wallet_id,
                   COALESCE(SUM(amount) FILTER (WHERE asset = 'principal'), 0) AS principal,
                   COALESCE(SUM(amount) FILTER (WHERE asset = 'bonus'), 0) AS bonus,
                   COALESCE(SUM(amount) FILTER (WHERE asset = 'points'), 0) AS points
              FROM member_wallet_line
             GROUP BY wallet_id
        ), diffs AS (
            SELECT w.id AS wallet_id, a.asset, a.stored, a.ledger
              FROM member_wallet w
              LEFT JOIN sums s ON s.wallet_id = w.id
             CROSS JOIN LATERAL (VALUES
                   ('principal', w.principal, COALESCE(s.principal, 0)),
                   ('bonus', w.bonus, COALESCE(s.bonus, 0)),
                   ('points', w.points::numeric, COALESCE(s.points, 0))
             ) AS a(asset, stored, ledger)
             WHERE a.stored <> a.ledger
        )
        INSERT INTO member_wallet_reconciliation
               (date, wallet_id, asset, stored, ledger, difference,
                create_uid, create_date, write_uid, write_date)
        SELECT now() AT TIME ZONE 'UTC', wallet_id, asset, stored, ledger, stored - ledger,
               %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM diffs
    """
    # uses left on each package vs. the sum of its ledger lines
    _SQL_PACKAGES = """
        WITH sums AS (
            SELECT package_id, SUM(amount) AS ledger
              FROM member_wallet_line
             WHERE asset = 'package' AND package_id IS NOT NULL
             GROUP BY package_id
        )
        INSERT INTO member_wallet_reconciliation
               (date, wallet_id, package_id, asset, stored, ledger, difference,
                create_uid, create_date, write_uid, write_date)
        SELECT now() AT TIME ZONE 'UTC', p.wallet_id, p.id, 'package', p.uses_remaining,
               COALESCE(s.ledger, 0), p.uses_remaining - COALESCE(s.ledger, 0),
               %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM member_package p
          LEFT JOIN sums s ON s.package_id = p.id
         WHERE p.uses_remaining <> COALESCE(s.ledger, 0)
    """
    # each wallet's points vs. the points left in its lots
    _SQL_POINTS_LOTS = """
        WITH lots AS (
            SELECT wallet_id, SUM(points_remaining) AS left_in_lots
              FROM member_points_lot
             GROUP BY wallet_id
        )
        INSERT INTO member_wallet_reconciliation
               (date, wallet_id, asset, stored, ledger, difference,
                create_uid, create_date, write_uid, write_date)
        SELECT now() AT TIME ZONE 'UTC', w.id, 'points_lots', w.points,
               COALESCE(l.left_in_lots, 0), w.points - COALESCE(l.left_in_lots, 0),
               %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM member_wallet w
          LEFT JOIN lots l ON l.wallet_id = w.id
         WHERE w.points <> COALESCE(l.left_in_lots, 0)
    """
