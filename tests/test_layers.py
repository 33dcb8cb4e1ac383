"""The import contract in pyproject.toml (docs/decisions/import-layers.md) catches a wrong
import: lint-imports runs in a subprocess on a small fixture tree shaped like Sinergi, once
clean and once per kind of mistake, with the project's own contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The fixture tree: every app of the design, including those that do not exist yet, each
# with the imports the contract allows.
CLEAN = {
    "core": "",
    "regions": "from sinergi.core import models\n",
    "agencies": "from sinergi.regions import models\n",
    "accounts": "from sinergi.agencies import models\n",
    "notifications": "from sinergi.accounts import models\n",
    "coordination": "from sinergi.notifications import models\n",
    "programs": "from sinergi.notifications import models\nfrom sinergi import schedule\n",
    "blood": "from sinergi.agencies import models\n",
    "catalog": "from sinergi.coordination import services\n",
    "cases": "from sinergi.coordination import services\n",
    "insights": "from sinergi.programs import models\nfrom sinergi.coordination import models\n",
    "portal": "from sinergi.blood import models\nfrom sinergi.catalog import models\n",
    "schedule": "import datetime\n",
}


LAYERS = "Apps import only downwards"
DOMAIN = "Domain apps do not import coordination"
SCHEDULE = "Schedule imports nothing of Django"


def lint_imports() -> str:
    found = Path(sys.executable).with_name("lint-imports")
    return str(found) if found.exists() else shutil.which("lint-imports") or "lint-imports"


def run_contract(tmp_path: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Write the fixture tree with ``extra`` lines added to some apps' modules and run the
    project's contract on it."""
    package = tmp_path / "sinergi"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for app, imports in CLEAN.items():
        folder = package / app
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        (folder / "models.py").write_text("")
        (folder / "services.py").write_text(imports + extra.get(app, ""))
    # The real contract: the whole pyproject.toml, read from the working directory.
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(  # noqa: S603
        [lint_imports(), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_clean_tree_keeps_every_contract(tmp_path: Path) -> None:
    result = run_contract(tmp_path, {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("app", "line", "contract"),
    [
        # a lower floor importing a higher one
        ("core", "from sinergi.programs import services\n", LAYERS),
        ("agencies", "from sinergi.accounts import models\n", LAYERS),
        ("notifications", "from sinergi.blood import models\n", LAYERS),
        # domain apps importing each other
        ("blood", "from sinergi.programs import models\n", LAYERS),
        (
            "programs",
            "from sinergi.coordination import models\n",
            DOMAIN,
        ),
        ("coordination", "from sinergi.catalog import models\n", LAYERS),
        # insights and portal are imported by nothing
        ("catalog", "from sinergi.portal import services\n", LAYERS),
        ("portal", "from sinergi.insights import models\n", LAYERS),
        # the scheduler stays free of Django and of the apps
        ("schedule", "import django.db\n", SCHEDULE),
        ("schedule", "from sinergi.core import models\n", SCHEDULE),
    ],
)
def test_a_wrong_import_breaks_the_contract(
    tmp_path: Path, app: str, line: str, contract: str
) -> None:
    result = run_contract(tmp_path, {app: line})
    assert result.returncode != 0, result.stdout
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert any(row.startswith(contract) for row in broken), result.stdout
