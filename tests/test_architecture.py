"""The architecture's rules, checked: packages in layers, nothing heavy or global at import, light commands."""

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


# Each package may import only from packages of a lower layer (and from itself, and textcnn's __version__).
LAYERS = {
    "errors": 0,
    "util": 1,
    "config": 1,
    "layers": 2,
    "text": 2,
    "models": 3,
    "training": 4,
    "export": 4,
    "image": 5,
    "runs": 5,
    "analysis": 6,
    "bench": 7,
    "serve": 7,
    "cli": 8,
    "api": 9,
    "sklearn": 10,
    "__init__": 10,
    "__main__": 10,
}


def package_of(module: str) -> str:
    """``textcnn.runs.setup`` -> ``runs``; ``textcnn.api`` -> ``api``; ``textcnn`` itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_module_sits_in_a_layer_and_imports_only_below_it():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        mine = path.relative_to(PACKAGE).with_suffix("").parts[0]
        assert mine in LAYERS, f"{path}: {mine} is in no layer of LAYERS"
        for name in imported_modules(path):
            theirs = package_of(name) if name.startswith("textcnn.") else None
            if theirs in (None, mine) or name == "textcnn.__version__":
                continue
            if theirs not in LAYERS or LAYERS[theirs] >= LAYERS[mine]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert wrong == []


def test_the_package_root_holds_only_its_entry_points():
    entry_points = ["__init__.py", "__main__.py", "api.py", "errors.py", "sklearn.py"]
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == entry_points


def test_help_imports_no_torch():
    code = (
        "import sys\nfrom textcnn.cli.main import main\n"
        "for argv in (['--help'], ['train', '--help'], ['predict', '--help'], ['serve', '--help']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_predict_loads_nothing_of_training_or_the_bench(tiny_run):
    """A finished run predicts without the training orchestration (setup, training, summary) or the bench."""
    code = (
        "import sys\nfrom textcnn.cli.main import main\n"
        f"main(['predict', {str(tiny_run)!r}, 'a superb film'])\n"
        "heavy = ('textcnn.runs.training', 'textcnn.runs.setup', 'textcnn.runs.summary', 'textcnn.bench')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


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
