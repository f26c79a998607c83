"""The one-way layers of ../shared/ARCHITECTURE.md are checked by import-linter (pyproject.toml), in
`make lint` and CI. These tests show the contract catches a wrong-way import, so a green run means
something: each copies the project's packages, adds one import that breaks a rule, and runs lint-imports."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["core", "members", "ccp", "billing", "audits", "recert", "amtportal"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports_with(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / module
    path.write_text(path.read_text() + f"\n{line}\n")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def test_the_project_keeps_its_layers(tmp_path):
    result = lint_imports_with(tmp_path, "members/rules/status.py", "")

    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("members/rules/status.py", "import billing  # noqa", "members is not allowed to import billing"),
        ("core/clock.py", "import members  # noqa", "core is not allowed to import members"),
        (
            "ccp/rules/engine.py",
            "from amtportal import views  # noqa",
            "ccp is not allowed to import amtportal",
        ),
        (
            "billing/services/invoices.py",
            "from ccp import views  # noqa",
            "billing is not allowed to import ccp.views",
        ),
    ],
)
def test_a_wrong_way_import_fails_the_check(tmp_path, module, line, broken):
    result = lint_imports_with(tmp_path, module, line)

    assert result.returncode == 1
    assert broken in result.stdout
