"""``python -m textcnn``: the command line (also what ``torchrun ... -m textcnn`` starts)."""

import sys

from .cli.main import main

sys.exit(main())
