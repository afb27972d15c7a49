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
