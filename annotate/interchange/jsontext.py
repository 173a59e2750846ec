"""Read the JSON that doccano, Label Studio and W3C files hold, with errors that name the file and the place.

The readers take untrusted bytes: a file that is not UTF-8, not JSON, or
holds a lone surrogate (which no database column can store) is refused as a
whole with a ForeignFormatError, before any record is made.
"""

import json
import re

from .records import ForeignFormatError

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def decode(raw: bytes, filename: str) -> str:
    """Return the file's text; a byte-order mark is dropped, as editors on Windows write one."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ForeignFormatError(f"{filename}: not UTF-8 text (byte {error.start})") from None


def parse(text: str, filename: str, place: str = ""):
    """Return the JSON value of a text; place ("line 3") prefixes the position in the message."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        where = place or f"line {error.lineno} column {error.colno}"
        raise ForeignFormatError(f"{filename}: {where}: not JSON ({error.msg})") from None
    except RecursionError:
        raise ForeignFormatError(f"{filename}: {place or 'file'}: JSON nested too deeply") from None
    check_strings(value, filename, place or "file")
    return value


def check_strings(value, filename: str, place: str) -> None:
    """Refuse a lone surrogate anywhere in a JSON value (json.loads lets "\\ud800" through)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                raise ForeignFormatError(f"{filename}: {place}: a string holds a lone surrogate (not valid Unicode)")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def is_offset(value) -> bool:
    """Tell whether a JSON value is a usable offset: a non-negative integer, not a boolean."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
