"""The README stays short, the docs stay free of commit hashes, and the docs site builds."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MKDOCS_YML = ROOT / "mkdocs.yml"

# A word of 7 to 40 hex digits: a commit hash if it holds at least one digit and one letter a-f.
HEX_WORD = re.compile(r"(?<![\w#/-])[0-9a-fA-F]{7,40}(?![\w-])")
# Not commit hashes: a colour (#d62728), and the random suffix of a run folder (runs/MODEL-DATE-TIME-RANDOM).
RUN_SUFFIX = re.compile(r"\d{8}-\d{6}-[0-9a-f]{12}\b")
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


def hash_like_words(text: str) -> list[str]:
    """The commit-hash-like words of ``text``: 7-40 hex digits with a digit and a letter, not colours or run names."""
    text = RUN_SUFFIX.sub("", SHA256.sub("", text))
    return [word for word in HEX_WORD.findall(text) if re.search(r"\d", word) and re.search(r"[a-fA-F]", word)]


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def nav_pages(entries) -> list[str]:
    """Every page path in mkdocs.yml's nav (nested sections included)."""
    pages: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            pages.append(entry)
        elif isinstance(entry, dict):
            for value in entry.values():
                if isinstance(value, str):
                    pages.append(value)
                else:
                    pages.extend(nav_pages(value))
    return pages


def load_mkdocs_yml() -> dict:
    # mkdocs.yml may hold tags such as !!python/name:...; a loader that ignores unknown tags reads the rest.
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return yaml.load(MKDOCS_YML.read_text(encoding="utf-8"), Loader=Loader)


def test_readme_is_short():
    data = README.read_bytes()
    assert len(data.decode("utf-8").splitlines()) <= 200
    assert len(data) <= 12_000


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_commit_hashes(path: Path):
    assert hash_like_words(path.read_text(encoding="utf-8")) == []


def test_hash_detector():
    assert hash_like_words("the run of a8ad263 and commit 5586bd0f") == ["a8ad263", "5586bd0f"]
    assert hash_like_words("colour #d62728, 1234567 reviews, deadbeef, runs/textcnn-20261202-101500-ab12cd34ef56") == []
    assert hash_like_words("sha256 " + "0123456789abcdef" * 4) == []


def test_nav_pages_exist():
    config = load_mkdocs_yml()
    assert config.get("docs_dir", "docs") == "docs"
    pages = nav_pages(config["nav"])
    assert "index.md" in pages
    missing = [page for page in pages if not (DOCS / page).is_file()]
    assert missing == []


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed (the docs extra)")
def test_mkdocs_build_strict(tmp_path: Path):
    result = subprocess.run(
        # no --quiet: it hides the warnings that --strict turns into a failure (a broken anchor, say)
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
