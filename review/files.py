"""The one atomic file writer: a reader never sees half a file and a crash leaves none behind.

The content goes to a temp file in the target's folder, is flushed and fsync'ed, gets its
permissions, and is moved into place with `os.replace`. Permissions follow one policy, chosen by
the caller: `PRIVATE` (0600) for secrets and private data (settings with an API key, kept
recordings), otherwise the user's umask as for any file they create (exports, methodologies).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

PRIVATE = 0o600


def _umask_mode() -> int:
    mask = os.umask(0)  # the only portable way to read the umask is to set it and put it back
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: str | os.PathLike, content: bytes | str | Callable[[Path], object],
                 mode: int | None = None) -> Path:
    """Write `content` to `path` atomically and return the path.

    path: the file to write; its folder must exist.
    content: bytes, text (written as UTF-8), or a callable that writes the whole file to the temp
        path it is given (e.g. `Document.save`, `FPDF.output`, a streamed copy).
    mode: the file's permissions: None = the user's umask (0644 with the usual umask), or
        `PRIVATE` (0600) for secrets.
    Raises OSError (callers turn it into their own one-line error); anything the callable raises
    passes through. Either way the temp file is removed.
    """
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, _umask_mode() if mode is None else mode)
        os.replace(tmp, target)
    except BaseException:  # incl. Ctrl-C: never leave a half-written temp file behind
        tmp.unlink(missing_ok=True)
        raise
    return target
