"""iot_drivers/install.sh against a stand-in box: a folder laid out like an
Odoo 19 box's source, reached through tests/iot/fake_ssh.sh (runs the
commands here) instead of ssh. What a real box adds (ssh, sudo, its Odoo
service) is not exercised: see the hardware checklist of iot_drivers/README.md."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "iot_drivers" / "install.sh"
FAKE_SSH = REPO / "tests" / "iot" / "fake_ssh.sh"

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("bash", "tar", "sha256sum", "comm")),
    reason="install.sh needs bash, tar, sha256sum and comm",
)


@pytest.fixture
def box(tmp_path):
    handlers = tmp_path / "odoo" / "addons" / "iot_drivers" / "iot_handlers"
    (handlers / "drivers").mkdir(parents=True)
    (handlers / "interfaces").mkdir()
    (handlers / "drivers" / "serial_scale_driver.py").write_text("# Odoo's own\n")
    return tmp_path


def install(box, *args, answer=""):
    env = {
        **os.environ,
        "MEMBER_IOT_SSH": str(FAKE_SSH),
        "FAKE_BOX_LOG": str(box / "box.log"),
        "FAKE_BOX_ANSWER": answer,
    }
    env.pop("MEMBER_IOT_SECRET", None)
    return subprocess.run(
        ["bash", str(SCRIPT), "--box-odoo", str(box / "odoo"), *args, "pi@box"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def restarts(box):
    log = box / "box.log"
    return log.read_text().count("restart") if log.exists() else 0


def test_install_is_idempotent(box):
    handlers = box / "odoo" / "addons" / "iot_drivers" / "iot_handlers"
    first = install(box, "--no-check")
    assert first.returncode == 0, first.stderr
    tools = handlers / "drivers" / "member_card_tools"
    # the server's normaliser itself, byte for byte, next to the handlers
    assert digest(tools / "card_data.py") == digest(REPO / "member_base/tools/card_data.py")
    assert digest(tools / "phone.py") == digest(REPO / "member_base/tools/phone.py")
    for source in (REPO / "iot_drivers" / "iot_handlers").glob("*/member_*.py"):
        target = handlers / source.parent.name / source.name
        assert digest(target) == digest(source), source.name
    assert (handlers / "drivers" / "serial_scale_driver.py").exists()  # Odoo's own untouched
    assert restarts(box) == 1

    second = install(box, "--no-check")
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    assert restarts(box) == 1  # nothing changed: no restart


def test_install_replaces_changed_and_removes_stale_files(box):
    handlers = box / "odoo" / "addons" / "iot_drivers" / "iot_handlers"
    assert install(box, "--no-check", "--no-restart").returncode == 0
    (handlers / "drivers" / "member_card_frames.py").write_text("# edited on the box\n")
    (handlers / "drivers" / "member_old_driver.py").write_text("# from an older release\n")
    dry = install(box, "--no-check", "--dry-run")
    assert "member_card_frames.py" in dry.stdout and "member_old_driver.py" in dry.stdout
    assert (handlers / "drivers" / "member_old_driver.py").exists()
    result = install(box, "--no-check", "--no-restart")
    assert result.returncode == 0, result.stderr
    assert not (handlers / "drivers" / "member_old_driver.py").exists()
    source = REPO / "iot_drivers/iot_handlers/drivers/member_card_frames.py"
    assert digest(handlers / "drivers" / "member_card_frames.py") == digest(source)
    assert restarts(box) == 0


def test_install_checks_the_routes(box):
    refused = '{"jsonrpc": "2.0", "id": null, "error": {"code": 403, "message": "403: Forbidden"}}'
    result = install(box, "--no-restart", answer=refused)
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout
    not_found = "<!doctype html><title>404 Not Found</title>"
    result = install(box, "--no-restart", answer=not_found)
    assert result.returncode != 0
    assert "not loaded" in result.stderr


def test_install_refuses_what_is_not_a_box(tmp_path):
    result = install(tmp_path, "--no-check")
    assert result.returncode != 0
    assert "not an Odoo 19 IoT box" in result.stderr
