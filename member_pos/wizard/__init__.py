from . import member_price_sync
from . import member_product_import
