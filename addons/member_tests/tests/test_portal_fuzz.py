"""Property-based tests (hypothesis) of the member portal's forms and pages,
posted over HTTP as a portal member: whatever the form carries, the page
answers (saved, or a clear message), never a server error, and nothing
beyond the member's own profile fields changes. Each example runs in a
savepoint rolled back after it; bounded and derandomized."""

from datetime import timedelta
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import http
from odoo.tests import new_test_user, tagged

from odoo.addons.member_base.tests.common import MemberChainHttpCase

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="张王李赵 \t\n\x00\u200b<>&\"'", max_size=20),
    st.sampled_from(["", " ", "x" * 500, "<script>alert(1)</script>", "Robert'); DROP TABLE--"]),
)
profile_forms = st.fixed_dictionaries(
    {
        "name": texts,
        "member_gender": st.one_of(st.sampled_from(["", "male", "female", "other"]), texts),
        "birthday_calendar": st.one_of(st.sampled_from(["solar", "lunar", ""]), texts),
        "birthday": st.one_of(
            st.dates().map(str), st.sampled_from(["2024-02-30", "1900-01-01", "0000-00-00"]), texts
        ),
        "birthday_lunar_month": st.one_of(st.integers(-5, 20).map(str), texts),
        "birthday_lunar_day": st.one_of(st.integers(-5, 40).map(str), texts),
        "street": texts,
        "city": texts,
        "zip": texts,
    },
    optional={
        "birthday_lunar_leap": st.sampled_from(["on", "1", ""]),
        "sms_consent": st.sampled_from(["on", "1", ""]),
        # fields the form does not offer: ignored
        "member_level_id": st.integers(1, 100).map(str),
        "member_number": texts,
        "is_member": st.sampled_from(["0", ""]),
        "member_register_company_id": st.integers(1, 100).map(str),
    },
)
# forms that pass the checks, but for their free texts
good_forms = st.fixed_dictionaries(
    {
        "name": texts.filter(lambda text: text.strip("\x00\u200b \t\n")),
        "member_gender": st.sampled_from(["", "male", "female", "other"]),
        "birthday_calendar": st.just("solar"),
        "birthday": st.one_of(st.just(""), st.dates().map(str)),
        "street": texts,
        "city": texts,
    }
)
history_queries = st.fixed_dictionaries(
    {},
    optional={
        "asset": st.one_of(st.sampled_from(["value", "points", "package", ""]), texts),
        "date_from": st.one_of(st.dates().map(str), texts),
        "date_to": st.one_of(st.dates().map(str), texts),
        "page": st.one_of(st.integers(-3, 10**6).map(str), texts),
    },
)

ids = st.one_of(
    st.integers(-5, 10**6).map(str), st.sampled_from(["", "0", "99999999999999", "1e3"]), texts
)
booking_forms = st.fixed_dictionaries(
    {
        "store_id": ids,
        "what": st.one_of(
            st.tuples(st.sampled_from(["resource", "service", "", "x"]), ids).map(":".join), texts
        ),
        "date": st.one_of(
            st.dates().map(str), st.sampled_from(["0001-01-01", "9999-12-31", "2024-02-30"]), texts
        ),
        "time": st.one_of(
            st.times().map(lambda t: t.strftime("%H:%M")),
            st.sampled_from(["00:00", "23:45", "24:00", "-1:00", "12:60", "9:15"]),
            texts,
        ),
        "minutes": st.one_of(st.integers(-60, 10**5).map(str), texts),
    },
    optional={"note": texts},
)


@tagged("post_install", "-at_install")
class TestPortalFuzz(MemberChainHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.member = cls.make_member(name="Fuzz Member")
        cls.portal_user = new_test_user(
            cls.env,
            login="mbt_fuzz_portal",
            groups="base.group_portal",
            context={"no_reset_password": True},
            partner_id=cls.member.id,
        )
        cls.card = cls.make_card(partner=cls.member)
        tariff = cls.env["member.timed.tariff"].create(
            {"name": "Fuzz tariff", "rate": 60, "rate_unit": "hour"}
        )
        cls.room = cls.env["member.timed.resource"].create(
            {"name": "Fuzz Room", "tariff_id": tariff.id, "company_id": cls.store_a.id}
        )

    def setUp(self):
        super().setUp()
        self.authenticate(self.portal_user.login, self.portal_user.login)

    def protected(self):
        """What the member may not change, straight from the table."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT member_level_id, member_number, is_member, member_register_company_id,
                      company_id, active
                 FROM res_partner WHERE id = %s""",
            [self.member.id],
        )
        return self.env.cr.fetchone(), self.table_count("member_operation_log")

    def test_profile_form(self):
        seen = set()

        @FUZZ
        @given(form=st.one_of(profile_forms, good_forms))
        def post(form):
            before, old_name = self.protected(), self.member.name
            savepoint = self.env.cr.savepoint(flush=False)
            try:
                holder = SimpleNamespace(env=self.env, session=self.session)
                data = {**form, "csrf_token": http.Request.csrf_token(holder)}
                response = self.url_open("/my/member/profile", data=data)
                self.assertEqual(response.status_code, 200, response.text[:3000])
                self.assertEqual(self.protected(), before)
                self.env.invalidate_all()
                name = self.member.name
                self.assertTrue(name and name.strip(), "a member keeps a name")
                self.assertLessEqual(len(name), 128)
                seen.add("saved" if name != old_name else "kept")
            finally:
                savepoint.close(rollback=True)
                self.env.clear()

        post()
        # some forms were saved, some refused (a test that cannot fail is none)
        self.assertEqual(seen, {"saved", "kept"})

    def test_booking_form(self):
        """Whatever the booking form carries: the page answers (booked, or a
        clear message), never a server error; at most the one booking asked
        for is written, and only for the member."""
        tomorrow = self.store_a._member_local_today() + timedelta(days=1)
        good_bookings = st.fixed_dictionaries(
            {
                "store_id": st.just(str(self.store_a.id)),
                "what": st.just(f"resource:{self.room.id}"),
                "date": st.just(tomorrow.isoformat()),
                "time": st.sampled_from(["08:00", "10:15", "13:30", "19:45"]),
                "minutes": st.sampled_from(["30", "60", "90", "240"]),
            },
            optional={"note": texts},
        )
        seen = set()

        def bookings():
            self.env.flush_all()
            self.env.cr.execute("SELECT partner_id, state FROM member_booking ORDER BY id")
            return self.env.cr.fetchall()

        @FUZZ
        @given(form=st.one_of(booking_forms, good_bookings))
        def post(form):
            before = bookings()
            savepoint = self.env.cr.savepoint(flush=False)
            try:
                holder = SimpleNamespace(env=self.env, session=self.session)
                data = {**form, "csrf_token": http.Request.csrf_token(holder)}
                response = self.url_open("/my/member/bookings", data=data)
                self.assertEqual(response.status_code, 200, response.text[:3000])
                after = bookings()
                if "o_member_booking_done" in response.text:
                    self.assertEqual(after, [*before, (self.member.id, "booked")])
                    seen.add("booked")
                else:
                    self.assertIn("o_member_booking_error", response.text)
                    self.assertEqual(after, before)
                    seen.add("refused")
            finally:
                savepoint.close(rollback=True)
                self.env.clear()

        post()
        self.assertEqual(seen, {"booked", "refused"})

    @FUZZ
    @given(query=history_queries)
    def test_history_page(self, query):
        path = "/my/member/history"
        page = query.pop("page", None)
        if page is not None and page.isdigit():
            path = f"{path}/page/{int(page)}"
        response = self.url_open(path, params=query)
        self.assertIn(response.status_code, (200, 303, 404), response.text[:3000])
