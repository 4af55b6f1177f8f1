"""The chain's product and stock operations, in one test class: the chain
with its points of sale is built once for the catalogue, price sync and
transfer tests (each concern in its own module)."""

from odoo.tests import tagged

from .common import MemberPosCase
from .test_catalog import CatalogTests
from .test_stock_transfer import StockTransferTests


@tagged("post_install", "-at_install")
class TestChainProducts(CatalogTests, StockTransferTests, MemberPosCase):
    allow_inherited_tests_method = True  # the tests are the mixins'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_catalog()
        cls._setup_transfers()
