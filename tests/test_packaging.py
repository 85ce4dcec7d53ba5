"""`pip install .` ships everything the app needs to run, resources included."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "desktopapp").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.mark.slow
def test_installed_wheel_passes_its_self_test(tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (target / "photolot_resources" / "web" / "batch.html").is_file()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from desktopapp.cli import main; sys.exit(main(['--self-test']))"
    )
    done = subprocess.run(  # run from tmp_path, so the checkout is not on sys.path
        [sys.executable, "-c", code, str(target)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test: OK" in done.stdout
    assert (
        str(target)
        in subprocess.run(
            [
                sys.executable,
                "-c",
                code.replace(
                    "main(['--self-test'])",
                    "print(__import__('desktopapp.platform.paths')"
                    ".platform.paths.resources_dir()) or 0",
                ),
                str(target),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    )
