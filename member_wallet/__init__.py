from . import tools
from . import controllers
from . import models
from . import report
from . import wizard


def _create_missing_wallets(env):
    """Give every issued main card a wallet (cards issued before this addon
    was installed), in one statement."""
    currency = env.company.currency_id
    env.cr.execute(
        """
        INSERT INTO member_wallet (card_id, partner_id, currency_id, principal, bonus, balance,
                                   points, credit_limit, create_uid, create_date, write_uid,
                                   write_date)
        SELECT c.id, c.partner_id, %(currency)s, 0, 0, 0, 0, 0, %(uid)s, now() AT TIME ZONE 'UTC',
               %(uid)s, now() AT TIME ZONE 'UTC'
          FROM member_card c
          JOIN member_card_type t ON t.id = c.type_id
         WHERE c.state NOT IN ('draft', 'replaced', 'closed')
           AND t.kind NOT IN ('linked', 'supplementary')
           AND NOT EXISTS (SELECT 1 FROM member_wallet w WHERE w.card_id = c.id)
        """,
        {"currency": currency.id, "uid": env.uid},
    )
