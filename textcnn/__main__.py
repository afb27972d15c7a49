"""``python -m textcnn``: the command line (also what ``torchrun ... -m textcnn`` starts)."""

import sys

from .cli import main

sys.exit(main())
