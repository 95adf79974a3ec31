"""Saving a reviewed playbook draft through the library's one save path.

The draft is already built and validated (and maybe reviewed by a manager), so it is not read
again (an LLM would draft it anew): its YAML goes to a temporary file that
`MethodologyLibrary.import_file` validates and stores like any methodology YAML, with the same
id checks and atomic write.
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath

from ..errors import CallreviewError, InputError
from ..methodology import LoadedMethodology, MethodologyLibrary, methodology_to_yaml
from ..schema import Methodology


def read_input_bytes(path: Path) -> bytes:
    """A playbook file's bytes; InputError (one line) when it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror}); check its permissions") from None


def save_methodology(library: MethodologyLibrary, methodology: Methodology, source: str | PurePath,
                     new_id: str | None = None, replace: bool = False) -> LoadedMethodology:
    """Store a drafted methodology in the team library as `<id>.yaml`.

    library: where to save. methodology: the reviewed draft. source: the playbook's file name
    (names the temporary YAML, so messages point at the playbook). new_id: store under this id.
    replace: replace the team methodology that has this id already (its file is kept in versions/).
    """
    with tempfile.TemporaryDirectory(prefix="callreview-playbook-") as folder:
        staged = Path(folder) / f"{PurePath(source).stem or 'playbook'}.yaml"
        staged.write_bytes(methodology_to_yaml(methodology))
        try:
            return library.import_file(staged, new_id=new_id, replace=replace)
        except CallreviewError as exc:  # name the playbook the manager gave, not the staged copy
            raise type(exc)(str(exc).replace(str(staged), str(source))) from None
