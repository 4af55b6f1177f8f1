from . import controllers
from . import models
from . import wizard


def _set_level_dates(env):
    """Members who hold a level when the addon is installed reached it on an
    unknown day: count their review period from today, so that no keep-level
    check moves them down before a whole period under the rules."""
    env.cr.execute(
        """UPDATE res_partner SET member_level_date = %s
            WHERE member_level_id IS NOT NULL AND member_level_date IS NULL""",
        [env.company.root_id._member_local_today()],
    )
