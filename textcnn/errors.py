"""The user-error hierarchy: one root class for every mistake a user can make.

The CLI and the scripts catch :class:`UserError` alone and print its message on one line (exit 2);
anything else is a bug and keeps its traceback.
"""


class UserError(Exception):
    """Bad input from the user (a config key, a file, a column, a run folder), with a message naming it."""


class ConfigError(UserError):
    """A config key that does not exist or a value that is not allowed."""


class ImageError(UserError, ValueError):
    """A bad image, file or filter request.

    Also a ``ValueError``, so that callers of the image functions that catch ``ValueError`` keep working.
    """


class RunFolderError(UserError):
    """A run folder that cannot be created, is in use by another training, or fails verification."""


class TextInputError(UserError, TypeError, ValueError):
    """A text to predict or explain that is not a string, or not valid Unicode (it names the text's index).

    A ``TypeError`` and a ``ValueError`` too, so that Python callers can catch it as either. ``index``
    is the bad text's 0-based position (None when the whole input is wrong), ``reason`` what is wrong.
    """

    def __init__(self, message: str, index: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.index, self.reason = index, reason


class TrainingDiverged(UserError):
    """Training produced a non-finite loss (NaN or inf): the learning rate is too high, most often."""


class DiskFull(UserError):
    """A file could not be written for want of space (errno ENOSPC, however the writing library reports it)."""
