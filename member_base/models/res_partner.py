import datetime

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import format_date

from ..tools import lunar, phone

# the member's fields that hold personal data (PIPL erasure)
PERSONAL_FIELDS = (
    "name", "member_mobile", "phone", "email", "street", "street2", "city", "zip",
    "birthday", "member_gender", "comment",
)  # fmt: skip


class ResPartner(models.Model):
    """Member profile on the contact. Members belong to the chain (no
    company), so every store finds them; the registering store is kept."""

    _inherit = "res.partner"

    is_member = fields.Boolean(string="Member", index=True, tracking=True)
    member_number = fields.Char(copy=False, index=True, tracking=True, readonly=True)
    member_mobile = fields.Char(
        string="Member Mobile",
        copy=False,
        index=True,
        tracking=True,
        help="Normalised to international form (+86…); unique among active members.",
    )
    member_gender = fields.Selection(
        [("male", "Male"), ("female", "Female"), ("other", "Other")], string="Gender"
    )
    birthday_calendar = fields.Selection(
        [("solar", "Solar (Gregorian)"), ("lunar", "Lunar (农历)")],
        string="Birthday Calendar",
        default="solar",
        required=True,
    )
    birthday = fields.Date(
        help="Solar birthday. A 29 February birthday is celebrated on 28 February in common years."
    )
    birthday_lunar_month = fields.Integer(string="Lunar Month")
    birthday_lunar_day = fields.Integer(string="Lunar Day")
    birthday_lunar_leap = fields.Boolean(
        string="Leap Month",
        help="Born in a leap month (闰月). In years without that leap month the birthday is "
        "celebrated in the regular month of the same number.",
    )
    next_birthday = fields.Date(compute="_compute_next_birthday", string="Next Birthday")
    birthday_solar_this_year = fields.Char(
        compute="_compute_birthday_solar_years",
        string="Solar Date This Year",
        help="The solar date(s) of this year (the store's local year) on which the lunar "
        "birthday is celebrated: a solar year holds none, one or two.",
    )
    birthday_solar_next_year = fields.Char(
        compute="_compute_birthday_solar_years",
        string="Solar Date Next Year",
        help="The solar date(s) of next year on which the lunar birthday is celebrated.",
    )
    birthday_this_month = fields.Boolean(
        compute="_compute_birthday_this_month",
        search="_search_birthday_this_month",
        string="Birthday This Month",
    )
    member_register_company_id = fields.Many2one(
        "res.company", string="Registering Store", tracking=True, ondelete="restrict"
    )
    member_source = fields.Selection(
        [
            ("counter", "Counter"),
            ("call_centre", "Call Centre"),
            ("portal", "Portal"),
            ("import", "Import"),
            ("api", "API"),
        ],
        string="Registration Source",
        default="counter",
    )
    member_register_date = fields.Date(string="Registration Date")
    member_referrer_id = fields.Many2one(
        "res.partner", string="Referred By", domain=[("is_member", "=", True)], ondelete="set null"
    )
    member_level_id = fields.Many2one(
        "member.level", string="Level", tracking=True, index=True, ondelete="restrict"
    )
    member_card_ids = fields.One2many("member.card", "partner_id", string="Member Cards")
    member_card_count = fields.Integer(compute="_compute_member_card_count", string="Cards")
    member_log_count = fields.Integer(compute="_compute_member_log_count", string="Operations")
    sms_consent = fields.Boolean(
        string="Marketing SMS Consent",
        tracking=True,
        help="Separate consent to marketing SMS (PIPL). Service messages do not need it.",
    )
    sms_consent_date = fields.Datetime(string="Consent Date", readonly=True)
    sms_optout_date = fields.Datetime(string="Opt-out Date", readonly=True)
    member_merged_into_id = fields.Many2one(
        "res.partner", string="Merged Into", readonly=True, copy=False, index="btree_not_null"
    )

    _member_number_unique = models.UniqueIndex(
        "(member_number) WHERE member_number IS NOT NULL",
        "This member number is already used by another member of the chain.",
    )
    _member_mobile_unique = models.UniqueIndex(
        "(member_mobile) WHERE member_mobile IS NOT NULL AND is_member AND active",
        "This mobile number already belongs to another active member.",
    )

    @api.depends(
        "birthday",
        "birthday_calendar",
        "birthday_lunar_month",
        "birthday_lunar_day",
        "birthday_lunar_leap",
    )
    @api.depends_context("company")
    def _compute_next_birthday(self):
        today = self.env.company._member_local_today()
        for partner in self:
            partner.next_birthday = partner._next_birthday_from(today)

    @api.depends(
        "birthday_calendar", "birthday_lunar_month", "birthday_lunar_day", "birthday_lunar_leap"
    )
    @api.depends_context("company", "lang")
    def _compute_birthday_solar_years(self):
        year = self.env.company._member_local_today().year
        for partner in self:
            partner.birthday_solar_this_year = partner._lunar_birthday_solar_text(year)
            partner.birthday_solar_next_year = partner._lunar_birthday_solar_text(year + 1)

    def _lunar_birthday_solar_text(self, year):
        """The solar dates of ``year`` on which this member's lunar birthday
        is celebrated, said in words, each with why it moved: a leap-month
        birthday in a year without that leap month (the regular month), a
        30th in a month of 29 days (the 29th). False for a solar birthday."""
        self.ensure_one()
        month, day, leap = (
            self.birthday_lunar_month,
            self.birthday_lunar_day,
            self.birthday_lunar_leap,
        )
        if self.birthday_calendar != "lunar" or not month or not day:
            return False
        try:
            dates = lunar.lunar_birthdays_in_solar_year(month, day, leap, year)
        except ValueError:
            return False
        if not dates:
            return self.env._("none in %s", year)
        texts = []
        for date in dates:
            _lunar_year, _month, lunar_day, in_leap = lunar.solar_to_lunar(date)
            notes = []
            if leap and not in_leap:
                notes.append(self.env._("no leap month that year: the regular month"))
            if day == 30 and lunar_day == 29:
                notes.append(self.env._("the month has 29 days: the 29th"))
            text = format_date(self.env, date)
            texts.append(f"{text} ({'; '.join(notes)})" if notes else text)
        return ", ".join(texts)

    def _next_birthday_from(self, from_date):
        self.ensure_one()
        if (
            self.birthday_calendar == "lunar"
            and self.birthday_lunar_month
            and self.birthday_lunar_day
        ):
            return lunar.next_solar_birthday_lunar(
                self.birthday_lunar_month,
                self.birthday_lunar_day,
                self.birthday_lunar_leap,
                from_date,
            )
        if self.birthday_calendar == "solar" and self.birthday:
            return lunar.next_solar_birthday_solar(self.birthday, from_date)
        return False

    @api.depends_context("company")
    def _compute_birthday_this_month(self):
        start, end = self._current_month_bounds()
        for partner in self:
            partner.birthday_this_month = bool(
                partner._next_birthday_from(start)
                and start <= partner._next_birthday_from(start) <= end
            )

    def _current_month_bounds(self):
        today = self.env.company._member_local_today()
        start = today.replace(day=1)
        return start, start + relativedelta(months=1, days=-1)

    def _search_birthday_this_month(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        positive = (operator == "=") == value
        start, end = self._current_month_bounds()
        # Solar: same month; a 29 February birthday counts in February.
        # Lunar: the (month, day, leap) combinations celebrated this month.
        combos = lunar.lunar_combos_in_range(start, end)
        self.env["res.partner"].flush_model(
            [
                "birthday",
                "birthday_calendar",
                "birthday_lunar_month",
                "birthday_lunar_day",
                "birthday_lunar_leap",
            ]
        )  # the queries below read the table
        lunar_domain = [("id", "=", 0)]
        if combos:
            query = """
                SELECT id FROM res_partner
                 WHERE birthday_calendar = 'lunar'
                   AND (birthday_lunar_month, birthday_lunar_day,
                        COALESCE(birthday_lunar_leap, FALSE))
                       IN %s
            """
            self.env.cr.execute(query, [tuple(combos)])
            lunar_domain = [("id", "in", [row[0] for row in self.env.cr.fetchall()])]
        self.env.cr.execute(
            """SELECT id FROM res_partner
                WHERE birthday_calendar = 'solar' AND EXTRACT(MONTH FROM birthday) = %s""",
            [start.month],
        )
        solar_ids = [row[0] for row in self.env.cr.fetchall()]
        domain = ["|", ("id", "in", solar_ids), *lunar_domain]
        return domain if positive else ["!", *domain]

    def _compute_member_card_count(self):
        groups = self.env["member.card"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.member_card_count = counts.get(partner.id, 0)

    def _compute_member_log_count(self):
        groups = self.env["member.operation.log"]._read_group(
            [("partner_id", "in", self._member_identity_ids())], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            ids = partner._member_identity_ids()
            partner.member_log_count = sum(counts.get(pid, 0) for pid in ids)

    def _member_identity_ids(self):
        """This member's ids plus those of the members merged into it."""
        merged = (
            self.with_context(active_test=False).search([("member_merged_into_id", "in", self.ids)])
            if self.ids
            else self.browse()
        )
        return self.ids + merged.ids

    @api.constrains("birthday_calendar", "birthday_lunar_month", "birthday_lunar_day")
    def _check_lunar_birthday(self):
        for partner in self:
            if partner.birthday_calendar != "lunar":
                continue
            if not (
                1 <= partner.birthday_lunar_month <= 12 and 1 <= partner.birthday_lunar_day <= 30
            ):
                raise ValidationError(
                    self.env._(
                        "A lunar birthday needs a month from 1 to 12 and a day from 1 to 30."
                    )
                )

    @api.constrains("birthday")
    def _check_birthday(self):
        today = datetime.date.today()
        for partner in self:
            if partner.birthday and (
                partner.birthday > today or partner.birthday.year < today.year - 130
            ):
                raise ValidationError(
                    self.env._("The birthday %s is not plausible.", partner.birthday)
                )

    @api.constrains("member_referrer_id")
    def _check_referrer(self):
        for partner in self:
            if partner.member_referrer_id == partner:
                raise ValidationError(self.env._("A member cannot refer themselves."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if self.env.context.get("default_is_member") and "is_member" not in vals:
                # the Members menu and the import pass it as a default: number them too
                vals["is_member"] = True
            if not vals.get("lang") and self._member_registering(vals):
                vals["lang"] = self._member_default_lang()
            self._prepare_member_vals(vals)
            if vals.get("member_level_id"):
                self._check_level_right(vals["member_level_id"])
            if vals.get("is_member") and vals.get("member_mobile") and vals.get("active", True):
                self._check_mobile_unused(vals["member_mobile"])
        partners = super().create(vals_list)
        for partner in partners.filtered("is_member"):
            partner._check_mobile_free()
            self.env["member.operation.log"]._record(
                "register",
                partner=partner,
                after={"member_number": partner.member_number, "source": partner.member_source},
            )
        return partners

    def write(self, vals):
        vals = dict(vals)
        self._prepare_member_vals(vals, records=self)
        new_members = (
            self.filtered(lambda p: not p.is_member) if vals.get("is_member") else self.browse()
        )
        level_changes = {}
        # a level set by the server itself (card type on issue or upgrade, merge) is logged
        # by the operation that set it; a level changed by hand is logged here
        if "member_level_id" in vals and not self.env.su:
            level = self.env["member.level"].browse(vals["member_level_id"] or [])
            level_changes = {
                partner: partner.member_level_id
                for partner in self
                if partner.member_level_id != level
            }
            if level_changes:
                self._check_level_right(level.id, had_level=any(level_changes.values()))
        res = super().write(vals)
        for partner, before in level_changes.items():
            if partner.is_member:
                self.env["member.operation.log"]._record(
                    "level",
                    partner=partner,
                    before={"level": before.name or ""},
                    after={"level": partner.member_level_id.name or ""},
                )
        for partner in new_members.filtered(lambda p: p.is_member and not p.member_number):
            partner.member_number = self._next_member_number()
        for partner in new_members.filtered("is_member"):
            partner.member_register_company_id = (
                partner.member_register_company_id or self.env.company
            )
            self.env["member.operation.log"]._record(
                "register",
                partner=partner,
                after={"member_number": partner.member_number, "source": partner.member_source},
            )
        if {"member_mobile", "is_member", "active"} & set(vals):
            for partner in self.filtered("is_member"):
                partner._check_mobile_free()
        return res

    @api.model
    def _check_level_right(self, level_id, had_level=False):
        """A member's level sets their discount and multipliers: store
        managers (and the server's own services, which run as superuser)
        change it; a cashier registers members at the entry level only."""
        if self.env.su or self.env.user.has_group("member_base.group_member_manager"):
            return
        entry = self.env["member.level"].sudo().search([], limit=1)
        if had_level or level_id != entry.id:
            raise AccessError(
                self.env._(
                    "Only a store manager may change a member's level (%(level)s).",
                    level=self.env["member.level"].sudo().browse(level_id).name
                    or self.env._("none"),
                )
            )

    def _prepare_member_vals(self, vals, records=None):
        """Normalise the member fields of ``vals`` and number new members."""
        if vals.get("member_mobile"):
            vals["member_mobile"] = self._normalize_member_mobile(vals["member_mobile"])
        if "sms_consent" in vals:
            now = fields.Datetime.now()
            vals["sms_consent_date" if vals["sms_consent"] else "sms_optout_date"] = now
        if vals.get("is_member") and records is None and self.env.context.get("import_file"):
            vals.setdefault("member_source", "import")
        if vals.get("is_member"):
            vals.setdefault("member_register_date", fields.Date.context_today(self))
            if records is None:
                vals.setdefault("member_register_company_id", self.env.company.id)
                if not vals.get("member_number"):
                    vals["member_number"] = self._next_member_number()

    @api.model
    def _next_member_number(self):
        prefix = (
            self.env["ir.config_parameter"].sudo().get_param("member_base.member_number_prefix", "")
        )
        return (prefix or "") + self.env["ir.sequence"].sudo().next_by_code("member.number")

    @api.model
    def _member_country_code(self):
        return (
            self.env["ir.config_parameter"].sudo().get_param("member_base.phone_country_code", "86")
        )

    @api.model
    def _normalize_member_mobile(self, raw):
        try:
            return phone.normalize_phone(raw, default_country_code=self._member_country_code())
        except phone.PhoneError as error:
            raise ValidationError(self.env._("%s is not a valid mobile number.", raw)) from error

    def _check_mobile_free(self):
        """A friendly message before the unique index would refuse it."""
        self.ensure_one()
        if not self.member_mobile or not self.active:
            return
        self._check_mobile_unused(self.member_mobile, exclude=self)

    @api.model
    def _check_mobile_unused(self, mobile, exclude=None):
        other = self.sudo().search(
            [
                ("member_mobile", "=", mobile),
                ("is_member", "=", True),
                ("id", "not in", exclude.ids if exclude else []),
            ],
            limit=1,
        )
        if other:
            raise ValidationError(
                self.env._(
                    "Mobile %(mobile)s already belongs to member %(number)s.",
                    mobile=mobile,
                    number=other.member_number or other.display_name,
                )
            )

    @api.model
    def get_import_templates(self):
        if self.env.context.get("default_is_member"):
            return [
                {
                    "label": self.env._("Import Template for Members and Cards"),
                    "template": "/member_base/static/xls/member_import_template.xlsx",
                }
            ]
        return super().get_import_templates()

    def action_view_member_cards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("member_base.action_member_card")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_view_member_log(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "member_base.action_member_operation_log"
        )
        action["domain"] = [("partner_id", "in", self._member_identity_ids())]
        action["context"] = {}
        return action

    def action_issue_card(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Issue Card to %s", self.display_name),
            "res_model": "member.card.issue",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    @api.model
    def _member_merge(self, sources, destination, reason):
        """Merge ``sources`` into ``destination``; see member.merge."""
        if not self.env.user.has_group("member_base.group_member_manager"):
            raise UserError(self.env._("Only store managers can merge members."))
        if not (reason or "").strip():
            raise UserError(self.env._("Please give a reason for the merge."))
        if not sources or not destination:
            raise UserError(self.env._("Choose the member to keep and at least one other member."))
        if destination in sources:
            raise UserError(self.env._("A member cannot be merged into itself."))
        everyone = sources | destination
        if not all(everyone.mapped("is_member")) or not all(everyone.mapped("active")):
            raise UserError(self.env._("Only active members can be merged."))
        if any(partner.member_merged_into_id for partner in everyone):
            raise UserError(self.env._("One of these members was already merged."))
        Log = self.env["member.operation.log"]
        for source in sources:
            cards = source.member_card_ids
            before = {
                "member_number": source.member_number,
                "cards": cards.mapped("name"),
                "into": destination.member_number,
            }
            values = {"active": False, "member_merged_into_id": destination.id}
            mobile = source.member_mobile
            source.sudo().write(values)
            cards._as_service().write({"partner_id": destination.id})
            if mobile and not destination.member_mobile:
                destination.sudo().member_mobile = mobile
            if source.member_level_id and (
                not destination.member_level_id
                or destination.member_level_id.sequence < source.member_level_id.sequence
            ):
                destination.sudo().member_level_id = source.member_level_id
            Log._record(
                "merge",
                partner=destination,
                before=before,
                after={
                    "member_number": destination.member_number,
                    "cards": destination.member_card_ids.mapped("name"),
                },
                reason=reason,
            )
        return True

    # ------------------------------------------------------------------
    # The member as the Membership app shows it and finds it
    # ------------------------------------------------------------------

    member_lookup = fields.Char(
        string="Member, Mobile or Card",
        compute="_compute_member_lookup",
        search="_search_member_lookup",
        help="Name, member number, mobile in any spacing, or a card of the member (number, "
        "magnetic track, chip UID, e-card code).",
    )

    def _compute_member_lookup(self):
        self.member_lookup = False

    @api.model
    def _search_member_lookup(self, operator, value):
        if operator not in ("ilike", "=", "=ilike", "like") or not isinstance(value, str):
            return NotImplemented
        matches = self.env["member.home"]._match_ids(value)
        if matches["partner_ids"]:
            # a card, mobile or member number names its member exactly
            return [("id", "in", list(matches["partner_ids"]))]
        text = value.strip()
        return [
            "|",
            "|",
            ("name", "ilike", text),
            ("member_number", "ilike", text),
            ("member_mobile", "ilike", text.replace(" ", "")),
        ]

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        # the database's default language (ir.default) is not the store's
        if (
            "lang" in fields_list
            and "default_lang" not in self.env.context
            and self._member_registering(values)
        ):
            values["lang"] = self._member_default_lang() or values.get("lang")
        return values

    @api.model
    def _member_registering(self, vals):
        return bool(vals.get("is_member") or self.env.context.get("default_is_member"))

    @api.model
    def _member_default_lang(self):
        """The language of a new member: the registering user's, else the
        store's (its contact's), when it is installed."""
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        for lang in (self.env.user.lang, self.env.company.partner_id.lang, self.env.lang):
            if lang in installed:
                return lang
        return False

    def _member_portal_stores(self):
        """The chain's stores this member sees on the portal (those of the
        chain they registered in, else of the current company's chain)."""
        self.ensure_one()
        root = (self.member_register_company_id or self.env.company).sudo().root_id
        return (
            self.env["res.company"]
            .sudo()
            .search(
                [("member_company_kind", "=", "store"), ("parent_path", "=like", f"{root.id}/%")],
                order="name",
            )
        )

    def _member_desk_action(self):
        """This member in the Membership app's member form."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": "res.partner",
            "res_id": self.id,
            "views": [(self.env.ref("member_base.res_partner_view_form_member_desk").id, "form")],
            "context": {"default_is_member": True},
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Erasure of personal data (PIPL), decided on a member.erasure.request
    # ------------------------------------------------------------------

    def _member_erasure_blockers(self):
        """Why the member cannot be erased yet (later addons add theirs:
        member_wallet, cards that still hold value)."""
        self.ensure_one()
        return []

    def _member_erasure_secrets(self):
        """The member's personal values, as they may appear in free text."""
        self.ensure_one()
        secrets = {self.name, self.email, self.phone, self.street, self.street2}
        mobile = self.member_mobile or ""
        digits = "".join(char for char in mobile if char.isdigit())
        secrets |= {mobile, digits, digits[-11:] if len(digits) > 11 else None}
        if self.birthday:
            secrets.add(self.birthday.isoformat())
        # and what they were before (a mobile changed last year), from the tracking
        self.env.cr.execute(
            """SELECT t.old_value_char, t.new_value_char
                 FROM mail_tracking_value t
                 JOIN mail_message m ON m.id = t.mail_message_id
                 JOIN ir_model_fields f ON f.id = t.field_id
                WHERE m.model = 'res.partner' AND m.res_id = %s
                  AND f.name = ANY(%s)""",
            [self.id, list(PERSONAL_FIELDS)],
        )
        for old, new in self.env.cr.fetchall():
            for value in (old, new):
                if value:
                    secrets.add(value)
                    digits = "".join(char for char in value if char.isdigit())
                    if len(digits) >= 11:
                        secrets |= {digits, digits[-11:]}
        return {secret for secret in secrets if secret and len(secret) >= 2}

    def _member_erase(self):
        """Pseudonymise the member: their personal fields are emptied, the
        name becomes "Erased member <number>", and their values are replaced
        in the operation log, in the messages of the member and of their
        cards and in those messages' tracking. The ledgers, the log's
        operations, the numbers and every link stay. Later addons extend it
        for what they keep of a member (``super()`` first)."""
        self.ensure_one()
        from .member_erasure_request import ERASED, scrub_text, scrub_values  # noqa: PLC0415

        partner = self.sudo()
        # what this transaction still has to track is written first, to be scrubbed too
        self.env.cr.precommit.run()
        secrets = partner._member_erasure_secrets()
        cards = partner.with_context(active_test=False).member_card_ids
        cr = self.env.cr
        self.env.flush_all()
        # the operation log: personal values replaced, the operations kept (the one
        # change the log ever takes, made here in SQL)
        cr.execute(
            """SELECT id, old_values, new_values, reason FROM member_operation_log
                WHERE partner_id = %s OR card_id = ANY(%s)""",
            [partner.id, cards.ids],
        )
        for log_id, old, new, reason in cr.fetchall():
            cr.execute(
                """UPDATE member_operation_log
                      SET old_values = %s, new_values = %s, reason = %s WHERE id = %s""",
                [
                    scrub_values(old, secrets),
                    scrub_values(new, secrets),
                    scrub_text(reason, secrets),
                    log_id,
                ],
            )
        # messages about the member or their cards, and those they wrote
        cr.execute(
            """SELECT id, body, subject FROM mail_message
                WHERE (model = 'res.partner' AND res_id = %s)
                   OR (model = 'member.card' AND res_id = ANY(%s))
                   OR author_id = %s""",
            [partner.id, cards.ids, partner.id],
        )
        messages = cr.fetchall()
        for message_id, body, subject in messages:
            cr.execute(
                """UPDATE mail_message SET body = %s, subject = %s, email_from = NULL,
                          reply_to = NULL WHERE id = %s""",
                [scrub_text(body, secrets), scrub_text(subject, secrets), message_id],
            )
        if messages:
            cr.execute(
                """UPDATE mail_tracking_value
                      SET old_value_char = CASE WHEN old_value_char IS NULL THEN NULL ELSE %s END,
                          new_value_char = CASE WHEN new_value_char IS NULL THEN NULL ELSE %s END,
                          old_value_text = CASE WHEN old_value_text IS NULL THEN NULL ELSE %s END,
                          new_value_text = CASE WHEN new_value_text IS NULL THEN NULL ELSE %s END,
                          old_value_datetime = NULL, new_value_datetime = NULL
                    WHERE mail_message_id = ANY(%s)""",
                [ERASED, ERASED, ERASED, ERASED, [m[0] for m in messages]],
            )
        self.env["mail.message"].invalidate_model()
        self.env["mail.tracking.value"].invalidate_model()
        self.env["member.operation.log"].invalidate_model()
        # the member's own record, without tracking the old values anew
        partner.with_context(tracking_disable=True, mail_notrack=True).write(
            {
                "name": self.env._("Erased member %s", partner.member_number or partner.id),
                "member_mobile": False,
                "phone": False,
                "email": False,
                "street": False,
                "street2": False,
                "city": False,
                "zip": False,
                "birthday": False,
                "birthday_calendar": "solar",
                "birthday_lunar_month": 0,
                "birthday_lunar_day": 0,
                "birthday_lunar_leap": False,
                "member_gender": False,
                "comment": False,
                "image_1920": False,
                "sms_consent": False,
            }
        )
        for user in partner.with_context(active_test=False).user_ids:
            user.sudo().write({"active": False, "login": f"erased-{user.id}", "signature": False})
        self.env["member.operation.log"]._record(
            "erase", partner=partner, reason=self.env._("Personal data erased on request")
        )
        return True
