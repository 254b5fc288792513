"""The import contract (`.importlinter`) holds, and fails when a floor imports one above it or a circle appears."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["core", "regions", "plan", "messaging", "meetings", "roadmap", "onmt_portal", "api"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path):
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path)
    return tmp_path


def test_the_contract_holds_on_the_portal():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "broken", "named"),
    [
        # The ground floor reaching up to a meeting.
        (
            "regions/selectors.py",
            "from meetings.models import Meeting",
            "An app imports only the floors below it",
            "regions.selectors -> meetings.models",
        ),
        # The sending side of the outbox importing the side that hands work to it.
        (
            "messaging/sending.py",
            "from messaging import services",
            "No module imports another that imports it back, inside any app",
            "messaging",
        ),
    ],
)
def test_a_bad_import_breaks_the_contract(tree_copy, module, bad_import, broken, named):
    path = tree_copy / module
    path.write_text(path.read_text() + f"\n{bad_import}  # noqa\n")
    result = _lint_imports(tree_copy)
    assert result.returncode == 1
    assert f"{broken} BROKEN" in result.stdout
    assert named in result.stdout
