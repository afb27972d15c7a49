"""Write the reference pages rendered from the code: docs/reference/cli.md and docs/reference/config.md.

    python scripts/make_reference.py            # rewrite both pages
    python scripts/make_reference.py --check    # exit 1, naming them, if either differs from the code

Never edit the pages by hand: change the parsers' options (textcnn/config/commands.py, the command modules)
or the config fields' help (textcnn/config/sections.py, models.py) and run this again.
tests/config/test_reference.py fails while a page is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from textcnn.cli.main import build_parser
from textcnn.config.reference import cli_reference, config_reference

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"


def pages() -> dict[Path, str]:
    """Each reference page's path and the text the code renders for it now."""
    return {REFERENCE / "cli.md": cli_reference(build_parser()), REFERENCE / "config.md": config_reference()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the pages are up to date")
    args = parser.parse_args(argv)
    stale = [path for path, text in pages().items() if not path.is_file() or path.read_text("utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python scripts/make_reference.py", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pages()[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
