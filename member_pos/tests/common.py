"""Fixtures of the member_pos tests, on member_base's test chain
(``odoo.addons.member_base.tests.common``) under a head office with a chart
of accounts (member_wallet's ``MemberAccountingCase``): a point of sale in
store A and one in store B, each with its own cash and member-balance
payment methods and an open session; the stores' cashiers are POS users.

The helpers call the server as the till does: ``member_pos_authorize`` /
``member_pos_cancel`` / ``member_pos_lookup`` on the session and
``pos.order.sync_from_ui`` with the order as the POS sends it.
"""

import copy
import uuid
from random import randint

from odoo import Command, fields
from odoo.exceptions import UserError

from odoo.addons.member_base.tests.common import money, new_key  # noqa: F401
from odoo.addons.member_wallet.tests.booking_common import BookingCase


def new_uuid():
    return str(uuid.uuid4())


# A POS tour covers many flows in one browser session (each tour costs the suite
# half a minute): its whole run gets more than start_tour's default 60 s, which a
# loaded 2-core machine exceeds even when every step passes.
POS_TOUR_TIMEOUT = 240


class PosChainMixin:
    """A point of sale per store of the chain (fixture helpers shared by the
    transaction cases and the tour)."""

    def start_pos_tour(self, tour, login, pos=None):
        """Run ``tour`` on the till of ``pos`` (default: store A's) as ``login``."""
        pos = pos or self.pos_a
        self.start_tour(f"/pos/ui/{pos.id}", tour, login=login, timeout=POS_TOUR_TIMEOUT)

    @classmethod
    def _setup_pos_chain(cls):
        pos_user = cls.env.ref("point_of_sale.group_pos_user")
        for user in cls.cashier_a | cls.cashier_b | cls.manager_a | cls.manager_b:
            user.sudo().group_ids = [Command.link(pos_user.id)]
        cls.product = (
            cls.env["product.product"]
            .sudo()
            .create(
                {
                    "name": "MBT Coffee",
                    "type": "consu",
                    "available_in_pos": True,
                    "list_price": 30.0,
                    "taxes_id": [Command.clear()],
                }
            )
        )
        cls.pos_a = cls._make_pos(cls.store_a, "A")
        cls.pos_b = cls._make_pos(cls.store_b, "B")

    @classmethod
    def _setup_topup(cls, config):
        """Top-ups at ``config``: a clearing account, its journal and the
        top-up product whose income account it is."""
        env = cls.env(su=True)
        cls.clearing = env["account.account"].create(
            {
                "name": "MBT POS top-up clearing",
                "code": "MBT.CLR",
                "account_type": "asset_current",
                "company_ids": [Command.set(cls.head_office.ids)],
            }
        )
        cls.topup_journal = env["account.journal"].create(
            {
                "name": "MBT POS top-ups",
                "code": "MBTUP",
                "type": "general",
                "company_id": cls.head_office.id,
                "default_account_id": cls.clearing.id,
            }
        )
        cls.topup_product = env["product.product"].create(
            {
                "name": "MBT Top-up",
                "type": "service",
                "available_in_pos": True,
                "list_price": 0.0,
                "taxes_id": [Command.clear()],
            }
        )
        for company in cls.chain:
            cls.topup_product.with_company(company).property_account_income_id = cls.clearing
        config.sudo().write(
            {
                "member_topup_product_id": cls.topup_product.id,
                "member_topup_journal_id": cls.topup_journal.id,
            }
        )

    @classmethod
    def _make_pos(cls, store, code):
        env = cls.env(su=True, context=dict(cls.env.context, allowed_company_ids=[store.id]))
        cash_journal = env["account.journal"].create(
            {
                "name": f"POS Cash {code}",
                "type": "cash",
                "code": f"PC{code}",
                "company_id": store.id,
            }
        )
        Method = env["pos.payment.method"]
        cash = Method.create(
            {"name": f"Cash {code}", "journal_id": cash_journal.id, "company_id": store.id}
        )
        balance = Method.create(
            {
                "name": f"Member Balance {code}",
                "use_payment_terminal": "member_balance",
                "company_id": store.id,
            }
        )
        config = env["pos.config"].create(
            {
                "name": f"MBT Till {code}",
                "company_id": store.id,
                "payment_method_ids": [Command.set((cash | balance).ids)],
            }
        )
        config.open_ui()
        config.current_session_id.set_opening_control(0, None)
        setattr(cls, f"cash_pm_{code.lower()}", cash)
        setattr(cls, f"balance_pm_{code.lower()}", balance)
        return config


class PosTillMixin:
    """The till's calls, as the POS makes them (on ``session_a`` unless
    said)."""

    def session_as(self, session, user):
        return session.with_env(self.env_as(user, session.company_id))

    def authorize(self, card, amount, order_uuid=None, payment_uuid=None, user=None, **kw):
        """``member_pos_authorize`` as the till of ``session`` (default A)
        sends it, as ``user`` (default cashier A)."""
        session = kw.pop("session", self.session_a)
        return self.session_as(session, user or self.cashier_a).member_pos_authorize(
            card.name if hasattr(card, "name") else card,
            amount,
            order_uuid or new_uuid(),
            payment_uuid or new_uuid(),
            **kw,
        )

    def cancel(self, order_uuid, payment_uuid, session=None, user=None):
        return self.session_as(session or self.session_a, user or self.cashier_a).member_pos_cancel(
            order_uuid, payment_uuid
        )

    def order_data(
        self, order_uuid, payments, partner=None, session=None, state="paid", refund_of=None
    ):
        """The order as the POS sends it: ``payments`` is a list of
        ``(payment method, amount, payment uuid)``; one line of coffee for
        the total (with ``refund_of``: the return of that order's line)."""
        session = session or self.session_a
        total = sum(amount for _method, amount, _uuid in payments)
        refund_line = refund_of.sudo().lines[:1] if refund_of else None
        return {
            "amount_paid": total,
            "amount_return": 0,
            "amount_tax": 0,
            "amount_total": total,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "fiscal_position_id": False,
            "pricelist_id": session.config_id.pricelist_id.id,
            "name": f"Order {order_uuid}",
            "last_order_preparation_change": "{}",
            "lines": [
                Command.create(
                    {
                        "id": randint(1, 1000000),
                        "pack_lot_ids": [],
                        "price_unit": abs(total),
                        "product_id": self.product.id,
                        "price_subtotal": total,
                        "price_subtotal_incl": total,
                        "qty": -1 if refund_line else 1,
                        "tax_ids": [Command.set([])],
                        **({"refunded_orderline_id": refund_line.id} if refund_line else {}),
                    }
                )
            ],
            "partner_id": partner.id if partner else False,
            "session_id": session.id,
            "payment_ids": [
                Command.create(
                    {
                        "amount": amount,
                        "name": fields.Datetime.now(),
                        "payment_method_id": method.id,
                        "uuid": payment_uuid,
                    }
                )
                for method, amount, payment_uuid in payments
            ],
            "uuid": order_uuid,
            "user_id": self.env.uid,
            "to_invoice": False,
            "state": state,
        }

    def sync(self, data, user=None, session=None):
        """``pos.order.sync_from_ui`` as the cashier; the order record."""
        session = session or self.session_a
        env = self.env_as(user or self.cashier_a, session.company_id)
        env["pos.order"].sync_from_ui([copy.deepcopy(data)])
        return self.env["pos.order"].search([("uuid", "=", data["uuid"])])

    def member_state(self):
        """Postings, packages and orders, for 'nothing was written'."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT (SELECT COUNT(*) FROM member_wallet_move),
                      (SELECT COUNT(*) FROM member_wallet_line),
                      (SELECT COUNT(*) FROM member_package),
                      (SELECT array_agg(uses_remaining ORDER BY id) FROM member_package),
                      (SELECT COUNT(*) FROM pos_order),
                      (SELECT array_agg(balance ORDER BY id) FROM member_wallet)"""
        )
        return self.env.cr.fetchone()

    def refused(self, message):
        """The block is refused with ``message`` and, rolled back, leaves
        nothing (the order is written before its lines are checked)."""
        return self.assertWritesNothing(
            self.member_state, exception=UserError, message=message, strict=False
        )

    def line_of(self, data, **values):
        """The order's (first) line, updated with ``values``."""
        line = data["lines"][0][2]
        line.update(values)
        return line

    def pos_payments(self, card):
        return self.env["member.pos.payment"].sudo().search([("card_id", "=", card.id)])

    def balance(self, card):
        wallet = card.sudo()._get_wallet()
        wallet.invalidate_recordset()
        return money(wallet.balance)


class MemberPosCase(PosTillMixin, PosChainMixin, BookingCase):
    """The chain with a chart of accounts and a point of sale per store."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_pos_chain()
        cls.session_a = cls.pos_a.current_session_id
        cls.session_b = cls.pos_b.current_session_id
