from . import member_level_change
from . import member_level_simulation
from . import member_level_simulation_line
from . import member_plan_sell
from . import member_plan_refund
