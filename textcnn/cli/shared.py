"""What the commands that run a trained model share: their texts (predict, explain) and bad texts named by id."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence

from ..config.checks import is_delimiter
from ..errors import TextInputError, UserError


@contextlib.contextmanager
def texts_named_by(ids: Sequence):
    """Name a bad text by its id (argument, line or row number, or --id-column), not its place in a chunk."""
    try:
        yield
    except TextInputError as error:
        if error.index is None:
            raise
        raise UserError(f"text {ids[error.index]} {error.reason}") from None


def check_text_inputs(options) -> None:
    """Texts come as arguments or from --file (or stdin), never both: checked before the run is loaded.

    ``options`` has the fields of :class:`~textcnn.config.commands.TextInputs`. A lone ``-``, as the text or
    as --file, means standard input (as for Unix tools): it is cleared here.
    """
    if options.text and options.file:
        raise UserError("give texts as arguments or --file, not both")
    if "-" in options.text and len(options.text) > 1:
        raise UserError("'-' reads the texts from standard input; give it alone, without other texts")
    if options.text == ["-"] or options.file == "-":
        options.text, options.file = [], None
    if options.delimiter in ("\\t", "tab"):  # a tab is hard to type in a shell
        options.delimiter = "\t"
    if options.delimiter is not None and not is_delimiter(options.delimiter):
        raise UserError(f"--delimiter: {options.delimiter!r} is not allowed; expected one character (or \\t for a tab)")
    if options.encoding is not None:
        from ..text.reading import Reading, text_decoder

        text_decoder(Reading(options.encoding, encoding_key="--encoding"))  # an unknown name: before the run loads


def text_source(options, run, id_column: str | None = None):
    """The texts an inference command was given, with ids: arguments, else --file, else standard input.

    Files and standard input are read in --encoding, else the run's data.encoding; a .csv file is split
    by --delimiter, else the run's data.delimiter, else the delimiter its first lines show.
    """
    from ..runs import predictions as prediction

    data = run.config.data
    encoding = options.encoding or data.encoding
    if options.text:
        return prediction.from_arguments(options.text)
    if options.file:
        text_column = options.text_column or data.text_column
        delimiter = options.delimiter or data.delimiter
        return prediction.from_file(options.file, text_column, id_column, encoding=encoding, delimiter=delimiter)
    return prediction.from_stdin(encoding)


def with_data(overrides: Sequence[str], data: str | None) -> list[str]:
    """``--set`` overrides, plus ``data.path`` from ``--data`` when given (quoted: a path is never YAML)."""
    return [*overrides, *([f"data.path={json.dumps(data)}"] if data is not None else [])]
