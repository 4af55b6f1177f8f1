import re

import polib

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from .common import MemberChainCase


@tagged("post_install", "-at_install", "member_base")
class TestChineseTranslation(MemberChainCase):
    """A user working in Simplified Chinese gets member_base's menus, field
    labels and refusals in Chinese, as shipped in i18n/zh_CN.po."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            path = file_path("member_base/i18n/zh_CN.po")
        except FileNotFoundError:
            path = None
        cls.po = polib.pofile(path) if path else None
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(["member_base"], ["zh_CN"], overwrite=True)
        cls.cashier_a.lang = "zh_CN"

    def setUp(self):
        super().setUp()
        self.assertTrue(
            self.po,
            "member_base/i18n/zh_CN.po is missing: member_base ships no "
            "Simplified Chinese translation",
        )
        self.zh_env = self.env(
            user=self.cashier_a,
            su=False,
            context=self.cashier_a.with_user(self.cashier_a).context_get(),
        )
        self.assertEqual(self.zh_env.lang, "zh_CN")

    def translation(self, occurrence=None, msgid=None):
        """The msgstr of the .po entry used at ``occurrence`` (or of ``msgid``)."""
        for entry in self.po:
            if (occurrence and occurrence in (place for place, _line in entry.occurrences)) or (
                msgid and entry.msgid == msgid
            ):
                self.assertTrue(entry.msgstr, f"{entry.msgid!r} is not translated")
                self.assertFalse(entry.fuzzy, f"{entry.msgid!r} is fuzzy")
                self.assertNotEqual(entry.msgstr, entry.msgid)
                return entry.msgstr
        self.fail(f"No translation of {occurrence or msgid} in zh_CN.po")

    def test_menus(self):
        menus = self.zh_env["ir.ui.menu"].load_menus(debug=False)
        for xmlid in (
            "menu_member_root",
            "menu_member_members",
            "menu_member_cards",
            "menu_member_operation_log",
        ):
            with self.subTest(menu=xmlid):
                menu = self.env.ref(f"member_base.{xmlid}")
                self.assertIn(menu.id, menus, "the cashier sees the menu")
                expected = self.translation(f"model:ir.ui.menu,name:member_base.{xmlid}")
                self.assertEqual(menus[menu.id]["name"], expected)
        self.assertEqual(self.env.ref("member_base.menu_member_root").name, "Membership")
        self.assertNotEqual(
            menus[self.env.ref("member_base.menu_member_root").id]["name"], "Membership"
        )

    def test_field_labels(self):
        fields = self.zh_env["member.card"].fields_get(
            ["state", "partner_id", "name"], ["string", "selection"]
        )
        for name in ("state", "partner_id", "name"):
            with self.subTest(field=name):
                self.assertEqual(
                    fields[name]["string"],
                    self.translation(
                        f"model:ir.model.fields,field_description:member_base.field_member_card__{name}"
                    ),
                )
        states = dict(fields["state"]["selection"])
        self.assertEqual(
            states["active"],
            self.translation(
                "model:ir.model.fields.selection,name:member_base.selection__member_card__state__active"
            ),
        )
        english = self.env["member.card"].fields_get(["state"], ["string"])
        self.assertEqual(english["state"]["string"], "State")

    def test_refusal_in_chinese(self):
        card = self.make_card(state="frozen")
        with self.assertRaises(UserError) as english:
            card._do_operation("freeze", reason="again")
        with self.assertRaises(UserError) as chinese:
            card.with_env(self.zh_env)._do_operation("freeze", reason="再冻结")
        message = str(chinese.exception)
        self.assertIn(card.name, message)
        self.assertIn(
            self.translation(
                "model:ir.model.fields.selection,name:member_base.selection__member_card__state__frozen"
            ),
            message,
        )
        self.assertNotEqual(message, str(english.exception))
        untranslated = re.findall(r"[A-Za-z]{3,}", message.replace(card.name, ""))
        self.assertFalse(untranslated, f"English left in the Chinese refusal: {message}")

    def test_po_file_is_complete(self):
        """Every term member_base shows (models, views, menus, data, Python
        messages) has a Simplified Chinese translation in zh_CN.po."""
        translated = {entry.msgid for entry in self.po if entry.msgstr and not entry.fuzzy}
        reader = TranslationModuleReader(self.env.cr, modules=["member_base"])
        missing = sorted(
            {
                source
                for module, _type, _name, _res_id, source, _value, _comments in reader
                if module == "member_base" and source and source not in translated
            }
        )
        self.assertFalse(
            missing, "Not translated in member_base/i18n/zh_CN.po:\n" + "\n".join(missing[:40])
        )
