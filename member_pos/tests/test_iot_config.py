"""The point of sale's IoT box options (pos.config ``member_iot_*``): the
box URL and secret validated; the secret read only by POS managers, a till
receiving it with its own configuration when it loads; the member slips a
till prints (``pos.config.member_iot_slips``) in the box's payload."""

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.member_base.tests.common import MemberRpcMixin
from odoo.addons.member_wallet.tests.accounting_common import MemberAccountingCase

from .common import MemberPosCase, PosChainMixin, new_uuid

SECRET = "box-secret-0123456789abcdef"


class IotConfigMixin:
    @classmethod
    def _setup_iot(cls):
        pos_manager = cls.env.ref("point_of_sale.group_pos_manager")
        for user in cls.manager_a | cls.admin_user:
            user.sudo().group_ids = [Command.link(pos_manager.id)]
        cls.pos_a.sudo().write(
            {
                "member_iot_card_reader": True,
                "member_iot_print_slips": True,
                "member_iot_url": "http://192.168.1.20:8069",
                "member_iot_secret": SECRET,
                "member_iot_printer": "front",
            }
        )


@tagged("post_install", "-at_install")
class TestMemberIotConfig(IotConfigMixin, MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_iot()
        cls._setup_topup(cls.pos_a)
        cls.env(su=True)["member.topup.rule"].create(
            {"name": "MBT pay 500 get 40", "min_amount": 500, "bonus_amount": 40}
        )
        cls.card = cls.make_card(name="6000000000123")

    def config_as(self, user, config=None):
        config = config or self.pos_a
        return config.with_env(self.env_as(user, config.company_id))

    def iot_state(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT member_iot_card_reader, member_iot_print_slips, member_iot_url,
                      member_iot_secret, member_iot_printer
                 FROM pos_config WHERE id = %s""",
            [self.pos_a.id],
        )
        return self.env.cr.fetchone()

    def test_box_url_validated(self):
        config = self.config_as(self.manager_a)
        for url in (
            "192.168.1.20:8069",
            "ftp://192.168.1.20",
            "http://",
            "http://user:pw@192.168.1.20:8069",
            "http://192.168.1.20:99999",
            "http://192.168.1.20:8069/?x=1",
            "http://box 1:8069",
            "javascript:alert(1)",
        ):
            with self.subTest(url=url):
                with self.assertWritesNothing(
                    self.iot_state,
                    exception=ValidationError,
                    message="is not an address",
                    strict=False,
                ) as catcher:
                    config.write({"member_iot_url": url})
                self.assertIn(url, str(catcher.exception))
        for url in ("http://192.168.1.21:8069", "https://box1.xuhui.shop.example.cn"):
            config.write({"member_iot_url": url})
            self.assertEqual(self.pos_a.member_iot_url, url)

    def test_box_needs_url_and_long_secret(self):
        config = self.config_as(self.manager_a)
        with self.assertWritesNothing(
            self.iot_state, exception=ValidationError, message="Set the IoT box URL", strict=False
        ):
            config.write({"member_iot_url": False})
        with self.assertWritesNothing(
            self.iot_state,
            exception=ValidationError,
            message="at least 16 characters",
            strict=False,
        ):
            config.write({"member_iot_secret": "short"})
        # no box used: neither URL nor secret needed
        config.write(
            {
                "member_iot_card_reader": False,
                "member_iot_printer": False,
                "member_iot_url": False,
                "member_iot_secret": False,
            }
        )
        self.assertTrue(self.pos_a.member_iot_print_slips, "slips on the POS printer")
        # slips on the box's printer: the box and its secret needed again
        with self.assertWritesNothing(
            self.iot_state,
            exception=ValidationError,
            message="at least 16 characters",
            strict=False,
        ):
            config.write(
                {"member_iot_url": "http://192.168.1.20:8069", "member_iot_printer": "front"}
            )

    def test_settings_show_the_options(self):
        settings = (
            self.env["res.config.settings"]
            .with_env(self.env_as(self.admin_user, self.store_a))
            .create({"pos_config_id": self.pos_a.id})
        )
        self.assertEqual(
            (settings.pos_member_iot_url, settings.pos_member_iot_secret),
            ("http://192.168.1.20:8069", SECRET),
        )
        settings.pos_member_iot_printer = "counter"
        settings.execute()
        self.assertEqual(self.pos_a.member_iot_printer, "counter")
        arch = settings.get_views([(False, "form")])["views"]["form"]["arch"]
        for field in ("card_reader", "print_slips", "url", "secret", "printer"):
            self.assertIn(f'name="pos_member_iot_{field}"', arch)

    def test_secret_only_for_pos_managers(self):
        config = self.config_as(self.cashier_a)
        self.assertEqual(config.member_iot_url, "http://192.168.1.20:8069")
        with self.assertRaises(AccessError):
            config.read(["member_iot_secret"])
        self.assertNotIn("member_iot_secret", config.read()[0])
        with self.assertRaises(AccessError):
            config.write({"member_iot_secret": "0123456789abcdefXYZ"})
        self.assertEqual(self.config_as(self.manager_a).member_iot_secret, SECRET)

    def test_till_loads_its_own_secret(self):
        session = self.session_as(self.session_a, self.cashier_a)
        data = session.load_data(["pos.config"])
        [config] = data["pos.config"]
        self.assertEqual(config["id"], self.pos_a.id)
        self.assertEqual(config["_member_iot_secret"], SECRET)
        self.assertNotIn("member_iot_secret", config)
        # another till of the chain (its own box, or none) gets nothing of A's
        self.pos_b.sudo().write(
            {
                "member_iot_card_reader": True,
                "member_iot_url": "http://192.168.2.20:8069",
                "member_iot_secret": "store-b-secret-0123456789",
            }
        )
        data = self.session_as(self.session_b, self.cashier_b).load_data(["pos.config"])
        self.assertEqual(
            [(c["id"], c["_member_iot_secret"]) for c in data["pos.config"]],
            [(self.pos_b.id, "store-b-secret-0123456789")],
        )
        with self.assertRaises(AccessError):
            self.session_as(self.session_b, self.cashier_a).load_data(["pos.config"])
        # a till that does not use the box is not given the secret
        self.pos_a.sudo().write({"member_iot_card_reader": False, "member_iot_printer": False})
        data = self.session_as(self.session_a, self.cashier_a).load_data(["pos.config"])
        self.assertNotIn("_member_iot_secret", data["pos.config"][0])

    def topup_order(self, amount):
        data = self.order_data(new_uuid(), [(self.cash_pm_a, amount, new_uuid())])
        data.update(partner_id=self.card.partner_id.id, user_id=self.cashier_a.id)
        self.line_of(data, product_id=self.topup_product.id, member_topup_card=self.card.name)
        return self.sync(data)

    def test_slips_of_a_topup_and_a_payment(self):
        topup = self.topup_order(500)
        order_uuid, payment_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 30, order_uuid, payment_uuid)["ok"])
        paid = self.sync(
            self.order_data(
                order_uuid, [(self.balance_pm_a, 30, payment_uuid)], partner=self.card.partner_id
            )
        )
        plain = self.sync(self.order_data(new_uuid(), [(self.cash_pm_a, 30, new_uuid())]))
        slips = self.config_as(self.cashier_a).member_iot_slips([topup.id, paid.id, plain.id])
        self.assertEqual(
            [(s["order_id"], s["slip"]["type"]) for s in slips],
            [
                (topup.id, "topup"),
                (paid.id, "consumption"),
            ],
        )
        topup_slip, paid_slip = (s["slip"] for s in slips)
        self.assertEqual(
            {k: v for k, v in topup_slip.items() if k not in ("date", "reference")},
            {
                "type": "topup",
                "store": self.store_a.name,
                "member": self.card.partner_id.name,
                "card": "*********0123",
                "amount": "500.00",
                "bonus": "40.00",
                "balance_before": "0.00",
                "balance_after": "540.00",
                "operator": self.cashier_a.name,
                "currency": topup.currency_id.symbol,
            },
        )
        self.assertRegex(topup_slip["date"], r"^\d{4}-\d\d-\d\d \d\d:\d\d$")
        self.assertEqual(topup_slip["reference"], topup.pos_reference or topup.name)
        self.assertEqual(
            (
                paid_slip["card"],
                paid_slip["amount"],
                paid_slip["balance_before"],
                paid_slip["balance_after"],
            ),
            ("*********0123", "30.00", "540.00", "510.00"),
        )
        self.assertEqual(paid_slip["points_balance"], str(paid.member_points_total))

    def test_slips_only_of_own_orders(self):
        topup = self.topup_order(500)
        with self.assertRaises(AccessError):
            self.config_as(self.cashier_b, self.pos_b).member_iot_slips([topup.id])
        with self.assertRaises(AccessError):
            self.config_as(self.cashier_a, self.pos_b).member_iot_slips([topup.id])


@tagged("post_install", "-at_install")
class TestMemberIotRpc(
    IotConfigMixin, MemberRpcMixin, PosChainMixin, MemberAccountingCase, HttpCase
):
    """The secret over the web client's JSON-RPC, from each role's session."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_pos_chain()
        cls._setup_iot()

    def test_secret_not_readable_by_cashier(self):
        ok, error = self.rpc(
            "call_kw",
            "cashier_a",
            "pos.config",
            "read",
            ids=[self.pos_a.id],
            fields=["member_iot_secret"],
        )
        self.assertFalse(ok)
        self.assertEqual(error["name"], "odoo.exceptions.AccessError")
        ok, records = self.rpc(
            "call_kw",
            "cashier_a",
            "pos.config",
            "search_read",
            domain=[("id", "=", self.pos_a.id)],
            fields=[],
        )
        self.assertTrue(ok, records)
        self.assertEqual(records[0]["member_iot_url"], "http://192.168.1.20:8069")
        self.assertNotIn("member_iot_secret", records[0])
        self.assertNotIn(SECRET, str(records))
        ok, error = self.rpc(
            "call_kw",
            "cashier_a",
            "pos.config",
            "search_read",
            domain=[("member_iot_secret", "=", SECRET)],
            fields=["id"],
        )
        self.assertFalse(ok, "nor guessed through a search")
        # the till's own loading brings it
        ok, data = self.rpc(
            "call_kw",
            "cashier_a",
            "pos.session",
            "load_data",
            ids=[self.pos_a.current_session_id.id],
            models_to_load=["pos.config"],
        )
        self.assertTrue(ok, data)
        self.assertEqual(data["pos.config"][0]["_member_iot_secret"], SECRET)

    def test_secret_read_by_pos_manager(self):
        ok, records = self.rpc(
            "call_kw",
            "manager_a",
            "pos.config",
            "read",
            ids=[self.pos_a.id],
            fields=["member_iot_secret"],
        )
        self.assertTrue(ok, records)
        self.assertEqual(records[0]["member_iot_secret"], SECRET)
