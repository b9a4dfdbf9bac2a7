"""The Python side a maintainer can change safely: importing changes nothing, the settings are
the only reader of the environment, only public APIs of other packages, stages as folders."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from pipelines import config

PACKAGE = config.PROJECT_ROOT / "pipelines"
STAGES = {
    "contract",
    "ingest",
    "checks",
    "transform",
    "disclosure",
    "publish",
    "extracts",
    "ops",
    "synthetic",
}


def package_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(config.PROJECT_ROOT).with_suffix("").parts).removesuffix(
            ".__init__"
        )
        for path in PACKAGE.rglob("*.py")
    )


def python_files() -> list:
    return sorted(PACKAGE.rglob("*.py"))


# Imports every module in a fresh interpreter and reports what the imports did: every file or
# folder opened for writing, made, moved, removed or chmod-ed, every process started and every
# environment variable set (Python's audit events, so files other tests write meanwhile do not
# count), and any change of the environment or the umask.
_IMPORT_ALL = """
import importlib, json, os, sys, traceback
home, modules, package = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
done = []
def ours():
    # the innermost frame of the package: its own statement, unless that statement is an
    # import (then the event is what another package does when it is imported)
    for frame in reversed(traceback.extract_stack()[:-2]):
        if frame.filename.startswith(package):
            line = (frame.line or "").strip()
            is_import = line.startswith(("import ", "from "))
            return None if is_import else f"{frame.filename}:{frame.lineno}"
    return None
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
WATCHED = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.chmod", "os.putenv",
           "os.unsetenv", "os.truncate", "os.symlink", "os.link", "shutil.copyfile",
           "shutil.rmtree", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
           "os.fork", "os.umask"}
def hook(event, args):
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS)
        if writing and path is not None and ours():
            done.append(f"open for writing {path} at {ours()}")
    elif event in WATCHED and ours():
        done.append(f"{event} {args[0] if args else ''} at {ours()}")
environment = dict(os.environ)
umask = os.umask(0o022); os.umask(umask)
sys.addaudithook(hook)
for module in modules:
    importlib.import_module(module)
after_umask = os.umask(umask)
print(json.dumps({
    "done": done,
    "environment": sorted(k for k in set(environment) | set(os.environ)
                          if environment.get(k) != os.environ.get(k)),
    "umask_changed": after_umask != umask,
    "home_exists": os.path.exists(home),
}))
"""


def import_all(modules: list[str], package: Path, home: Path, cwd: Path) -> dict:
    """What importing `modules` in a fresh interpreter did (see _IMPORT_ALL)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CDAP_", "DAGSTER_", "DBT_", "GX_", "DO_NOT_TRACK"))
    }
    environment.update(DAGSTER_HOME=str(home), PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(cwd))
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, str(home), json.dumps(modules), f"{package}/"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_every_module_writes_nothing_and_sets_nothing(tmp_path):
    modules = package_modules()
    assert len(modules) > 40 and "pipelines.definitions" in modules
    home = tmp_path / "dagster_home"  # does not exist: importing must not make it
    changes = import_all(modules, PACKAGE, home, config.PROJECT_ROOT)
    assert changes == {
        "done": [],
        "environment": [],
        "umask_changed": False,
        "home_exists": False,
    }


def test_the_import_check_sees_a_module_that_writes_or_sets(tmp_path):
    package = tmp_path / "noisy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "writes.py").write_text(
        "import os\n"
        "from pathlib import Path\n"
        "Path(os.environ['DAGSTER_HOME']).mkdir()\n"
        "os.environ['CDAP_WAREHOUSE'] = 'x'\n"
    )
    home = tmp_path / "dagster_home"
    changes = import_all(["noisy.writes"], package, home, tmp_path)
    assert [line.split(" at ")[0] for line in changes["done"]] == [
        f"os.mkdir {home}",
        "os.putenv b'CDAP_WAREHOUSE'",
    ]
    assert changes["environment"] == ["CDAP_WAREHOUSE"] and changes["home_exists"]


def test_only_the_settings_module_reads_or_writes_the_environment():
    readers = sorted(
        str(path.relative_to(config.PROJECT_ROOT))
        for path in python_files()
        if re.search(r"\bos\.environ\b|\bgetenv\b|\bputenv\b", path.read_text())
    )
    assert readers == ["pipelines/config.py"]


# documented in the Python reference as the way to end a process without its clean-up
_PUBLIC_DESPITE_UNDERSCORE = {("os", "_exit")}


def private_uses(path) -> list[str]:
    """Private names of other packages a module reaches: imported from them, imported from a
    private module of theirs (such as dagster._core), read as an attribute of anything but the
    module's own objects (`self`, `cls`), or overridden in a subclass of one of their classes;
    and import hooks (`sys.meta_path`)."""
    tree = ast.parse(path.read_text())
    foreign: dict[str, str] = {}  # local name -> what it was imported as, from another package
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pipelines":
                    continue
                if any(part.startswith("_") for part in alias.name.split(".")):
                    found.append(f"import {alias.name}")
                foreign[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in ("pipelines", "__future__"):
                continue
            if any(part.startswith("_") for part in node.module.split(".")):
                found.append(f"from {node.module} import ...")
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"from {node.module} import {alias.name}")
                foreign[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if owner == "sys" and node.attr == "meta_path":
                found.append("sys.meta_path")
            is_private = node.attr.startswith("_") and not node.attr.startswith("__")
            if is_private and owner not in ("self", "cls"):
                qualified = (foreign.get(owner, owner or "?"), node.attr)
                if qualified not in _PUBLIC_DESPITE_UNDERSCORE:
                    found.append(f"{qualified[0]}.{node.attr}")
        elif isinstance(node, ast.ClassDef):
            bases = [
                foreign[b.id if isinstance(b, ast.Name) else b.value.id]
                for b in node.bases
                if isinstance(b, ast.Name | ast.Attribute)
                and (b.id if isinstance(b, ast.Name) else getattr(b.value, "id", None)) in foreign
            ]
            for item in node.body:
                name = getattr(item, "name", "")
                if bases and name.startswith("_") and not name.startswith("__"):
                    found.append(f"{node.name}.{name} overrides a private name of {bases[0]}")
    return found


def test_no_private_name_of_another_package_is_used():
    uses = {
        str(path.relative_to(config.PROJECT_ROOT)): private_uses(path)
        for path in python_files()
        if private_uses(path)
    }
    assert uses == {}


def test_the_private_name_check_finds_what_it_is_for(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "import atexit\n"
        "import os\n"
        "import sys\n"
        "from dagster._core.storage import thing\n"
        "from dagster_dbt import _private, DbtCliResource\n"
        "atexit._run_exitfuncs()\n"
        "os._exit(0)\n"
        "sys.meta_path.insert(0, thing)\n"
        "class Resource(DbtCliResource):\n"
        "    def _cli_version(self):\n"
        "        return self._own\n"
        "Resource()._initialize()\n"
    )
    assert sorted(private_uses(module)) == sorted(
        [
            "from dagster._core.storage import ...",
            "from dagster_dbt import _private",
            "atexit._run_exitfuncs",
            "sys.meta_path",
            "Resource._cli_version overrides a private name of dagster_dbt.DbtCliResource",
            "?._initialize",
        ]
    )


def test_stages_are_folders_with_at_most_five_modules_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 5, top
    assert top == ["cli.py", "config.py", "definitions.py", "run.py", "warehouse.py"]
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == STAGES


def test_nothing_outside_dbt_names_a_staging_or_intermediate_model():
    models = {
        path.stem
        for layer in ("staging", "intermediate")
        for path in (config.DBT_PROJECT_DIR / "models" / layer).rglob("*.sql")
    }
    assert len(models) > 20
    pattern = re.compile(r"\b(" + "|".join(sorted(models)) + r")\b")
    sources = [*python_files(), *PACKAGE.rglob("*.sql")]
    named = {
        str(path.relative_to(config.PROJECT_ROOT)): sorted(set(pattern.findall(path.read_text())))
        for path in sources
        if pattern.search(path.read_text())
    }
    assert named == {}


# What a reader of the project, the dbt docs or the packs must never be sent to: the team's
# own specifications, or their notation for the 12-month window.
_CITATION = re.compile(r"metrics\.md|raw-data\.md|stack-notes\.md|design\.md|\.\./shared|W\(E\)")


def test_no_text_cites_the_specifications():
    roots = [PACKAGE, config.DBT_PROJECT_DIR, config.PROJECT_ROOT / "expectations"]
    skip = {"target", "logs", "dbt_packages", "__pycache__"}
    citing = sorted(
        str(path.relative_to(config.PROJECT_ROOT))
        for root in roots
        for path in root.rglob("*")
        if path.is_file()
        and not skip & set(path.relative_to(config.PROJECT_ROOT).parts)
        and path.suffix in {".py", ".sql", ".yml", ".md", ".csv", ".json"}
        and _CITATION.search(path.read_text(encoding="utf-8"))
    )
    assert citing == []
