"""``python -m textcnn.cli``: the same as ``textcnn``."""

import sys

from .main import main

sys.exit(main())
