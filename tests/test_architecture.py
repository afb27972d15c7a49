"""Import-time rules: no import cycles, nothing heavy or global at import."""

import ast
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "textcnn"


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, relative imports resolved against the package."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base]) if base else ".".join(parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_config_does_not_import_the_models_or_torch():
    imports = set().union(*(imported_modules(path) for path in (PACKAGE / "config").glob("*.py")))
    assert not any(name.startswith("textcnn.models") for name in imports), imports
    code = "import sys, textcnn.config; print(sorted(m for m in ('torch', 'textcnn.models') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_model_contract_is_a_type():
    from textcnn.config import load_config
    from textcnn.models import Encoder, TextModel, get_model
    from textcnn.training import Trainable

    for name in ("textcnn", "lstm"):
        model = get_model(load_config(None, [f"model.name={name}"]).model, 50, 2)
        assert isinstance(model, TextModel) and isinstance(model, Trainable)
        assert isinstance(model.encoder, Encoder)


def test_importing_the_pipeline_leaves_matplotlibs_backend_alone():
    code = (
        "import matplotlib; before = matplotlib.get_backend(); "
        "import textcnn.runs.training, textcnn.util.figures, textcnn.bench.run, textcnn.image; "
        "assert matplotlib.get_backend() == before, matplotlib.get_backend(); print(before)"
    )
    env = {**os.environ, "MPLBACKEND": "svg"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "svg"


def test_every_user_error_shares_one_root():
    from textcnn.errors import ConfigError, ImageError, RunFolderError, UserError

    for error in (ConfigError, ImageError, RunFolderError):
        assert issubclass(error, UserError)
    assert issubclass(ImageError, ValueError)  # callers catching ValueError keep working
