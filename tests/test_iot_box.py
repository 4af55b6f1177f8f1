"""Our handlers inside Odoo 19's real IoT box code (iot_drivers), in a process
of their own: tests/iot/box_scenarios.py says what is real and what stands in
(pseudo-terminals play the readers and a serial printer, a local TCP sink a
network printer, werkzeug's test client the tills).

Importing Odoo's iot_drivers starts its manager thread and patches
``requests``: that must not happen in pytest's own process, so one
subprocess runs every scenario and reports each; each test here asserts one.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent / "iot" / "box_scenarios.py"
TIMEOUT = 120


def _scenario_names():
    spec = importlib.util.spec_from_file_location("member_iot_box_scenarios", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # imports no Odoo: that happens in main()
    return module.SCENARIOS


SCENARIOS = _scenario_names()


@pytest.fixture(scope="module")
def box_results(tmp_path_factory):
    pytest.importorskip("odoo", reason="Odoo 19 is not importable")
    for requirement in ("schedule", "netifaces", "serial", "escpos"):
        if importlib.util.find_spec(requirement) is None:  # a failure, not a skip: CI must see it
            pytest.fail(f"{requirement} is missing: pip install -r requirements.txt")
    work = tmp_path_factory.mktemp("iot_box")
    process = subprocess.run(
        [sys.executable, str(SCRIPT), str(work)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    for line in process.stdout.splitlines():
        if line.startswith("MEMBER_IOT_RESULTS "):
            return json.loads(line.split(" ", 1)[1])
    pytest.fail(
        f"the box process gave no results (exit {process.returncode}):\n"
        f"{process.stdout[-3000:]}\n{process.stderr[-3000:]}"
    )


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_iot_box(box_results, scenario):
    result = box_results.get(scenario, "not run")
    assert result == "ok", result
