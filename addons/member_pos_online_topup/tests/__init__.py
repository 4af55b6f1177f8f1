from . import test_pos_online_topup
