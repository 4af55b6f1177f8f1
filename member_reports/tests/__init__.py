from . import (
    test_report_access,
    test_report_chain,
    test_report_export,
    test_report_figures,
    test_report_head_office,
    test_report_mail,
    test_report_route,
    test_report_views,
    test_report_xlsx,
)
from . import test_report_commission
from . import test_report_refresh
