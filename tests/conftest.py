"""Fixtures loading member_base's pure tools by file path.

``member_base/__init__.py`` imports Odoo, so the tools are loaded with
``spec_from_file_location`` instead of ``import member_base.tools...``;
that is also how the IoT box drivers load ``card_data.py``.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
MEMBER_BASE_TOOLS = REPO_ROOT / "member_base" / "tools"


IOT_DRIVERS = REPO_ROOT / "iot_drivers" / "iot_handlers" / "drivers"


def load_by_path(module_name, path):
    """Import the file ``path`` as the module ``module_name`` (once)."""
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def load_tool(name):
    """Import ``member_base/tools/<name>.py`` as a standalone module."""
    return load_by_path(f"member_base_tools_{name}", MEMBER_BASE_TOOLS / f"{name}.py")


def load_handler(name):
    """Import an IoT box handler file under the name the box gives it."""
    return load_by_path(
        f"odoo.addons.iot_drivers.iot_handlers.drivers.{name}", IOT_DRIVERS / f"{name}.py"
    )


@pytest.fixture(scope="session")
def iot_handler():
    """``iot_handler(name)``: the box's handler file ``name`` (pure parts only)."""
    return load_handler


@pytest.fixture(scope="session")
def card_data():
    return load_tool("card_data")


@pytest.fixture(scope="session")
def lunar():
    return load_tool("lunar")


@pytest.fixture(scope="session")
def phone():
    return load_tool("phone")
