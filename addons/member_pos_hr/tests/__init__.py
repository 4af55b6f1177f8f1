from . import test_employee_commission
