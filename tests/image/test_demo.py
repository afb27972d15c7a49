"""scripts/image_demo.py end to end, as a user runs it (a subprocess), in quick mode."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from textcnn.image import list_kernels


def _load_script():
    """scripts/image_demo.py as a module: the demo's orchestration lives there, outside the library."""
    import importlib.util

    path = Path(__file__).parents[2] / "scripts" / "image_demo.py"
    spec = importlib.util.spec_from_file_location("image_demo", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


image_demo = _load_script()
FIGURE_FILES, run_demo = image_demo.FIGURE_FILES, image_demo.run_demo

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "image_demo.py"


def run_script(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def assert_valid_nonblank_png(path: Path) -> None:
    assert path.is_file(), path
    with Image.open(path) as img:
        assert img.format == "PNG"
        img.verify()
    with Image.open(path) as img:
        pixels = np.asarray(img.convert("L"), dtype=float)
    assert pixels.shape[0] >= 300 and pixels.shape[1] >= 600, pixels.shape
    assert pixels.std() > 10, f"{path.name} looks blank"
    # More than a title on white: a good share of the figure is drawn on.
    assert (pixels < 200).mean() > 0.05, f"{path.name} is mostly empty"


def test_quick_demo_writes_five_figures(tmp_path):
    out = tmp_path / "figs"
    result = run_script("--quick", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(FIGURE_FILES)
    for name in FIGURE_FILES:
        assert_valid_nonblank_png(out / name)
        assert str(out / name) in result.stdout  # each figure's path is printed
    assert "test accuracy" in result.stdout
    assert "wrote 5 figures" in result.stdout and " s" in result.stdout.splitlines()[-1]


def test_help_explains_every_option(tmp_path):
    result = run_script("--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("--image", "--out", "--quick", "--seed", "--filters", "--padding", "--max-side"):
        assert option in result.stdout
    assert "outputs/image_demo" in result.stdout
    for name in list_kernels():
        assert name in result.stdout


def _tiny_png(path: Path, size: int) -> Path:
    Image.fromarray(np.full((size, size), 128, dtype=np.uint8), "L").save(path)
    return path


@pytest.mark.parametrize(
    "case,expected",
    [
        ("missing", "no such file"),
        ("not_an_image", "is not an image Pillow can read"),
        ("one_pixel", "is 1x1 pixels"),
        ("smaller_than_filter", "'valid' borders need the image at least as large as the filter"),
        ("unknown_filter", "unknown filter 'blurry'; choose from: cross_blur"),
        ("empty_filters", "--filters is empty"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(tmp_path, case, expected):
    out = tmp_path / "figs"
    args = {
        "missing": ["--image", str(tmp_path / "missing.png")],
        "not_an_image": ["--image", str(tmp_path / "notes.jpg")],
        "one_pixel": ["--image", str(tmp_path / "dot.png")],
        "smaller_than_filter": ["--image", str(tmp_path / "small.png"), "--padding", "valid"],
        "unknown_filter": ["--filters", "edge,blurry"],
        "empty_filters": ["--filters", ","],
    }[case]
    (tmp_path / "notes.jpg").write_text("not a photo\n")
    _tiny_png(tmp_path / "dot.png", 1)
    _tiny_png(tmp_path / "small.png", 4)  # the 5x5 Gaussian does not fit
    result = run_script(*args, "--quick", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert expected in lines[0]
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_small_gray_image_with_valid_borders(tmp_path):
    """A grayscale file, a photo barely larger than the filters, and 'valid' borders still give all five figures."""
    rng = np.random.default_rng(0)
    path = tmp_path / "small.png"
    Image.fromarray(rng.integers(0, 256, size=(12, 15), dtype=np.uint8), "L").save(path)
    lines = []
    paths = run_demo(tmp_path / "figs", image_path=path, quick=True, padding="valid", log=lines.append)
    assert [p.name for p in paths] == list(FIGURE_FILES)
    for p in paths:
        assert_valid_nonblank_png(p)
    assert lines[0] == f"image: {path}, 12x15 pixels (gray)"
