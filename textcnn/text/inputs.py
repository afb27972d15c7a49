"""Checking the texts a user hands to a trained run, before any of them reaches the tokenizer.

The tokenizer raises a bare ``TypeError`` from Rust for a non-string or for a string holding a lone
surrogate (what Python makes of bytes that are not UTF-8, in ``sys.argv`` or a JSON ``"\\ud800"``
escape), and it raises for the whole batch at once. :func:`check_texts` names the one bad text instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import TextInputError


def check_texts(texts: Iterable[str], *, what: str = "text") -> list[str]:
    """``texts`` as a list, after checking that each is a string of valid Unicode.

    A single string is refused: iterating it would predict one text per character.
    Errors name the text by its 0-based index, e.g. ``text 3 is None, not a string``.
    """
    if isinstance(texts, (str, bytes)):
        raise TextInputError(
            f"expected a list of texts, got a single {type(texts).__name__}; wrap it in a list: [text]"
        )
    try:
        texts = list(texts)
    except TypeError:
        raise TextInputError(f"expected a list of texts, got {type(texts).__name__}") from None
    for i, text in enumerate(texts):
        reason = _what_is_wrong(text)
        if reason is not None:
            raise TextInputError(f"{what} {i} {reason}", index=i, reason=reason)
    return texts


def _what_is_wrong(text: object) -> str | None:
    if not isinstance(text, str):
        return f"is {_shown(text)}, not a string"
    bad = _lone_surrogate(text)
    if bad is None:
        return None
    return (
        f"is not valid Unicode: character {bad} is a lone surrogate (U+{ord(text[bad]):04X}; from bytes that "
        "are not UTF-8, or a broken \\u escape)"
    )


def _lone_surrogate(text: str) -> int | None:
    """The position of the first lone surrogate in ``text``, or None (the common case costs one encode)."""
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError as error:
        return error.start


def _shown(value: object) -> str:
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name} ({value!r:.40})"
