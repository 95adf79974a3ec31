"""Word (.docx) files opened safely: checked as a zip, and refused when they would unpack to more
than a Word document holds (a zip bomb), before python-docx reads them. Used for playbooks
(review.playbook.docx_reader) and for transcripts saved as Word files (Google Meet, Teams).
"""

from __future__ import annotations

import io
import zipfile

from .errors import InputError

MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a long transcript or playbook with images is a few MB
MAX_XML_BYTES = 30 * 1024 * 1024  # one XML part (the text of a 2-hour transcript is ~2 MB of XML)


def open_docx(raw: bytes, label: str):
    """The python-docx Document of `raw`.

    label: the file's name, for the message. Raises InputError (one line, what to do) when the
    bytes are not a Word document, would unpack to more than MAX_UNPACKED_BYTES, or hold an XML
    part over MAX_XML_BYTES (python-docx parses it whole).
    """
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputError(f"{label}: not a Word .docx file (not a zip archive); "
                         "open it in Word and save it as .docx") from None
    unpacked = sum(info.file_size for info in members)
    xml = max((info.file_size for info in members if info.filename.endswith((".xml", ".rels"))), default=0)
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(f"{label}: unpacks to {unpacked // 2**20} MB, more than a Word document holds "
                         f"({MAX_UNPACKED_BYTES // 2**20} MB); save it again from Word or export it as text")
    if xml > MAX_XML_BYTES:
        raise InputError(f"{label}: holds {xml // 2**20} MB of text markup, more than a Word document holds "
                         f"({MAX_XML_BYTES // 2**20} MB); save it again from Word or export it as text")
    try:
        return docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx raises zipfile, KeyError, XML or its own package errors
        damaged = any(w in type(exc).__name__ for w in ("XML", "Parse"))  # lxml's XMLSyntaxError
        why = "its XML is damaged" if damaged else "a zip archive without a Word document's parts"
        raise InputError(f"{label}: not a Word .docx file ({why}); open it in Word and save it as .docx") from None


def docx_lines(raw: bytes, label: str) -> list[str]:
    """The text of a Word file as lines, in body order: each paragraph a line, each table row a line
    of its cells joined by two spaces ("Alex Rivera  0:05")."""
    from docx.table import Table

    lines: list[str] = []
    for item in open_docx(raw, label).iter_inner_content():
        if isinstance(item, Table):
            lines.extend("  ".join(cell.text.strip() for cell in row.cells if cell.text.strip())
                         for row in item.rows)
        else:
            lines.extend(item.text.split("\n"))
    return lines
