from . import report_sale_details
