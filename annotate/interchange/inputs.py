"""The files an import reads: a name (for the report and the tags' provenance) and the raw bytes."""

from dataclasses import dataclass
from pathlib import Path

from annotate.interchange.records import ForeignFormatError


@dataclass(frozen=True, slots=True)
class InputFile:
    name: str  # as the user gave it: a path below a directory named on the command line, or an upload's name
    data: bytes

    @property
    def basename(self):
        return Path(self.name).name


def decode(file):
    """Return a file's text as UTF-8 exactly: no newline translation, so offsets are code points of the file."""
    try:
        return file.data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ForeignFormatError(f"{file.name}: not UTF-8 text (byte 0x{file.data[error.start]:02x} at "
                                 f"position {error.start})") from None
