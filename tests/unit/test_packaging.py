"""The wheel carries boards/ and firmware_templates/ (kept at the top of the repository) inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.conftest import REPO


def test_wheel_contains_boards_and_templates(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    wheel = next(tmp_path.glob("edgekit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "edgekit/boards/README.md" in names
    assert "edgekit/firmware_templates/README.md" in names
    assert "edgekit/cli/__init__.py" in names
    assert "edgekit/data/tflm_ops.json" in names
    for folder in ("boards", "firmware_templates"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert f"edgekit/{folder}/{path.relative_to(REPO / folder).as_posix()}" in names
