"""The simulated customs imports nothing from the portal (issue 16 item 3): it reads only messages."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "scheduler" / "customs"


def _portal_imports(source: str) -> list[str]:
    """Return the modules named `portal` or `portal.*` an import statement of `source` names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name == "portal" or name.startswith("portal.")]
    return found


def test_importing_the_customs_package_loads_no_portal_module():
    code = ("import json, sys; import scheduler.customs, scheduler.customs.decide, scheduler.customs.store; "
            "print(json.dumps(sorted(sys.modules)))")
    completed = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parents[1], capture_output=True, text=True,
                               check=True)
    modules = json.loads(completed.stdout)
    assert "scheduler.customs.decide" in modules
    assert [name for name in modules if name == "portal" or name.startswith("portal.")] == []
    assert "flask" not in modules


def test_no_file_of_the_customs_package_imports_the_portal():
    files = sorted(PACKAGE.glob("*.py"))
    assert {path.name for path in files} >= {"__init__.py", "decide.py", "policy.py", "steps.py", "store.py"}
    offenders = {path.name: _portal_imports(path.read_text(encoding="utf-8")) for path in files}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_scan_finds_every_form_of_portal_import():
    source = "import portal\nimport os, portal.models as m\nfrom portal.clock import now\nfrom portalx import y\n"
    assert _portal_imports(source) == ["portal", "portal.models", "portal.clock"]
