"""The systemd unit in deploy/ is one systemd accepts, and starts what the README says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server  # starts servers or watchers: not in `make check`

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "searchd.service"


def test_the_unit_runs_serve_watch_with_a_metrics_folder() -> None:
    text = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/searchd/.venv/bin/searchd serve --watch" in text
    assert "PROMETHEUS_MULTIPROC_DIR=/run/searchd/metrics" in text
    assert "RuntimeDirectory=searchd" in text and "ReadWritePaths=/opt/searchd/index" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """With its paths pointed at this checkout (so that ExecStart exists)."""
    unit = tmp_path / "searchd.service"
    venv = Path(sys.executable).parent.parent
    unit.write_text(UNIT.read_text(encoding="utf-8")
                    .replace("/opt/searchd/.venv", str(venv))
                    .replace("/opt/searchd", str(ROOT)), encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
