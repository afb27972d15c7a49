"""The one exception type for a user's mistake with an image, a filter or a file."""

from __future__ import annotations


class ImageError(ValueError):
    """A bad image, file or filter request, with a one-line message that names the problem.

    A ``ValueError`` so that callers catching ``ValueError`` keep working; scripts catch this
    class alone to print ``error: ...`` instead of a traceback.
    """
