"""Load, validate and import methodology files (the criteria calls are scored against).

Shipped methodologies live in `settings.methodology_path`; a team's imported ones in
`settings.user_methodology_path`. Every problem with a file becomes one `MethodologyError`
line of the form `<file>:<line>: <field path>: <problem and fix>`, because the people who
edit these files are enablement leads, not programmers: they need the line and the fix.
"""

from __future__ import annotations

import difflib
import functools
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import CallreviewError, InputError, MethodologyError
from .files import write_atomic
from .hashing import sha256_bytes
from .safe_yaml import MAX_METHODOLOGY_BYTES, bounded_text, check_nodes, field_path, too_big
from .schema import SLUG, Methodology
from .settings import Settings

__all__ = ["MAX_METHODOLOGY_BYTES", "LoadedMethodology", "MethodologyLibrary", "field_path",
           "load_methodology_file", "methodology_to_yaml", "parse_methodology_bytes"]

Origin = Literal["shipped", "team"]
YAML_SUFFIXES = (".yaml", ".yml")
PLAYBOOK_SUFFIXES = (".md", ".markdown", ".txt", ".text", ".docx", ".csv", ".tsv")
# What to do with a file a team often has its playbook in, but that is not read as it is.
_SAVE_AS = {".xlsx": " (save the sheet as CSV UTF-8)", ".xls": " (save the sheet as CSV UTF-8)",
            ".ods": " (save the sheet as CSV UTF-8)", ".doc": " (save it as .docx)", ".odt": " (save it as .docx)",
            ".pdf": " (copy its text into a .txt file)", ".pages": " (export it as .docx)"}


@dataclass(frozen=True)
class LoadedMethodology:
    """A validated methodology and where it came from.

    methodology: the parsed file. path: the file it was read from. sha256: hex digest of the
    file bytes, recorded with every scorecard. origin: "shipped" (repository) or "team" (imported).
    backup: after an import that replaced a team file, where the previous file was kept.
    """

    methodology: Methodology
    path: Path
    sha256: str
    origin: Origin
    backup: Path | None = None


# --------------------------------------------------------------------------- parsing


def load_methodology_file(path: str | Path, origin: Origin = "team") -> LoadedMethodology:
    """Read and validate one methodology YAML file.

    path: the file. origin: recorded on the result ("shipped" for repository files).
    Raises InputError when the file cannot be read, MethodologyError when it is invalid.
    """
    path = Path(path)
    raw = _read_bytes(path)
    methodology = parse_methodology_bytes(raw, str(path))
    return LoadedMethodology(methodology, path, sha256_bytes(raw), origin)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_METHODOLOGY_BYTES:  # checked before reading: never load a huge file into memory
            raise too_big(size, str(path))
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror}); check its permissions") from None


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the Python loader takes ~1 s a file


@functools.lru_cache(maxsize=64)
def parse_methodology_bytes(raw: bytes, label: str) -> Methodology:
    """Validate methodology YAML held in memory.

    raw: the file bytes. label: the file name used at the start of every error message.
    Files over MAX_METHODOLOGY_BYTES, nested deeper than MAX_YAML_DEPTH or holding more than
    MAX_YAML_NODES nodes (aliases expanded) are refused before any of them is built.
    """
    text = bounded_text(raw, label, _YAML_LOADER)
    loader = _YAML_LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark else label
        problem = exc.problem or exc.context or "unreadable"
        problem = " ".join(str(problem).split())
        raise MethodologyError(f"{where}: invalid YAML: {problem}; fix the indentation/quoting there") from None
    except yaml.YAMLError as exc:  # e.g. a control character: libyaml's message spans two lines
        problem = " ".join(str(exc).replace('in "<unicode string>",', "at").split())
        raise MethodologyError(f"{label}: invalid YAML: {problem}; fix the file's syntax") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise MethodologyError(
            f"{label}: the file must be a YAML mapping with the keys "
            f"{', '.join(Methodology.model_fields)}; see methodology/discovery.yaml for an example"
        )
    check_nodes(root, label)
    try:
        return Methodology.model_validate(data)
    except ValidationError as exc:
        raise MethodologyError(_describe(exc, data, root, label)) from None


def _line_of(root: yaml.Node, loc: tuple) -> int | None:
    """1-based line of the node at `loc` (for a key: the key's line), or of its deepest existing parent."""
    node, line = root, root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                return line
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema model that the mapping at `loc` must match (to list its allowed keys)."""
    model: type[BaseModel] | None = Methodology
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        candidates = [field.annotation, *typing.get_args(field.annotation)]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return model


def _refine_loc(loc: tuple, message: str, data: dict) -> tuple:
    """Point a whole-model check at the field it is about (pydantic reports these at the model)."""
    if loc == ():
        criteria = data.get("criteria") or []
        sections = data.get("sections") or []
        section_ids = [s.get("id") for s in sections if isinstance(s, dict)]
        if "section id" in message:
            for j, s_id in enumerate(section_ids):
                if s_id in section_ids[:j]:
                    return ("sections", j, "id")
        seen: list = []
        for i, c in enumerate(criteria):
            if not isinstance(c, dict):
                continue
            if "criterion id" in message and c.get("id") in seen:
                return ("criteria", i, "id")
            seen.append(c.get("id"))
            if "names section" in message and c.get("section") not in section_ids:
                return ("criteria", i, "section")
    if len(loc) == 2 and loc[0] == "criteria":
        for key in ("target_level", "levels"):
            if key in message:
                return (*loc, key)
    return loc


def _problem(err: ErrorDetails, loc: tuple) -> str:
    """One error as `<problem>; <fix>`."""
    kind, got = err["type"], err.get("input")
    shown = repr(got) if len(repr(got)) <= 40 else repr(got)[:37] + "..."
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(loc[:-1])
        known = list(model.model_fields) if model else []
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if close:
            return f"unknown key '{key}' — did you mean '{close[0]}'?"
        return f"unknown key '{key}'; allowed keys here: {', '.join(known)}"
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing; add it"
    if kind == "string_pattern_mismatch":
        return (f"{shown} is not a valid id; use lower-case letters, digits, '_' or '-' "
                f"(e.g. {re.sub(r'[^a-z0-9]+', '_', str(got).lower()).strip('_') or 'my_id'!r})")
    if kind == "string_type":
        return f"expected text, got {shown}; put the value in quotes"
    if kind == "too_long":
        ctx = err.get("ctx") or {}
        return (f"{ctx.get('actual_length', 'too many')} entries, over the limit of {ctx.get('max_length')}; "
                f"remove some or split the methodology (see the limits in methodology/README.md)")
    if kind in ("too_short", "list_type", "dict_type", "model_type", "model_attributes_type"):
        return f"{err['msg'].lower()} (got {shown}); fix the structure there"
    message = err["msg"].removeprefix("Value error, ")
    if kind == "value_error":
        return message
    return f"{message[0].lower()}{message[1:]} (got {shown}); correct the value"


def _describe(exc: ValidationError, data: dict, root: yaml.Node, label: str) -> str:
    """All validation errors as one line: the first one in file order, plus how many more."""
    described = []
    for err in exc.errors():
        loc = _refine_loc(tuple(err["loc"]), err["msg"], data)
        line = _line_of(root, loc)
        where = f"{label}:{line}" if line else label
        path = field_path(loc)
        described.append((line or 0, f"{where}: {path + ': ' if path else ''}{_problem(err, loc)}"))
    described.sort(key=lambda pair: pair[0])
    more = f" (and {len(described) - 1} more)" if len(described) > 1 else ""
    return " ".join((described[0][1] + more).split())  # one line, whatever the inputs held


# --------------------------------------------------------------------------- library


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in YAML_SUFFIXES and not p.name.startswith("."))


def methodology_to_yaml(methodology: Methodology) -> bytes:
    """A methodology as a readable YAML file (empty lists and unset options left out)."""

    def prune(value):
        if isinstance(value, dict):
            return {k: prune(v) for k, v in value.items() if v not in ([], None)}
        if isinstance(value, list):
            return [prune(v) for v in value]
        return value

    data = prune(methodology.model_dump(mode="json"))
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).encode("utf-8")


def _replace_id(raw: bytes, new_id: str) -> bytes:
    """Change the top-level `id:` value in place, so the team's comments and layout survive."""
    text = raw.decode("utf-8", errors="replace")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return raw  # unchanged: validating it reports the syntax error with its line
    if not isinstance(root, yaml.MappingNode):
        return raw
    value = next((v for k, v in root.value if k.value == "id"), None)
    if value is None:
        return f"id: {new_id}\n{text}".encode()
    return (text[: value.start_mark.index] + new_id + text[value.end_mark.index :]).encode("utf-8")


class MethodologyLibrary:
    """The shipped methodologies plus the team's imported ones.

    settings: `methodology_path` (shipped files) and `user_methodology_path` (team files) are used.
    `problems` lists, one line each, the files the last `list()` skipped because they are invalid.
    """

    def __init__(self, settings: Settings):
        self.shipped_dir = settings.methodology_path
        if not self.shipped_dir.is_dir():
            raise MethodologyError(f"methodology folder {self.shipped_dir} does not exist; "
                                   "fix CALLREVIEW_METHODOLOGY_DIR or reinstall callreview")
        self.team_dir = settings.user_methodology_path
        self.problems: list[str] = []
        self._broken: dict[str, CallreviewError] = {}  # file stem -> its error, for get()

    def _scan(self, folder: Path, origin: Origin, taken: dict[str, LoadedMethodology]) -> None:
        for path in _yaml_files(folder):
            try:
                loaded = load_methodology_file(path, origin)
            except CallreviewError as exc:
                self.problems.append(str(exc))
                self._broken[path.stem.lower()] = exc
                continue
            other = taken.get(loaded.methodology.id)
            if other is not None:
                self.problems.append(
                    f"{path}: id '{loaded.methodology.id}' is already used by {other.path}; "
                    f"skipped — give this file its own id"
                )
                continue
            taken[loaded.methodology.id] = loaded

    def _collect(self) -> list[LoadedMethodology]:
        """All valid methodologies, sorted by id; invalid files are skipped and noted in `problems`."""
        self.problems, self._broken = [], {}
        found: dict[str, LoadedMethodology] = {}
        self._scan(self.shipped_dir, "shipped", found)
        self._scan(self.team_dir, "team", found)
        return [found[k] for k in sorted(found)]

    def list(self) -> list[LoadedMethodology]:
        """All valid methodologies, sorted by id; invalid files are skipped and noted in `problems`.

        Raises MethodologyError when there is none at all (a broken install or setting).
        """
        found = self._collect()
        if not found:  # an empty library is a broken install or setting, never an empty table
            where = f"{self.shipped_dir} or {self.team_dir}"
            detail = f" ({len(self.problems)} invalid: {self.problems[0]})" if self.problems else ""
            raise MethodologyError(f"no valid methodology files found in {where}{detail}; "
                                   "fix CALLREVIEW_METHODOLOGY_DIR or reinstall callreview")
        return found

    def get(self, name: str) -> LoadedMethodology:
        """A methodology by id, or by name ignoring case.

        name: the id ("meddpicc") or the display name ("MEDDPICC").
        """
        every = self._collect()
        wanted = name.strip().lower()
        for loaded in every:
            if wanted in (loaded.methodology.id.lower(), loaded.methodology.name.lower()):
                return loaded
        if wanted in self._broken:  # the file is there but invalid: say why, not "unknown"
            raise self._broken[wanted]
        ids = [loaded.methodology.id for loaded in every]
        if not ids:
            raise MethodologyError(
                f"unknown methodology '{name}'; no methodology files found in {self.shipped_dir} "
                f"or {self.team_dir}; set CALLREVIEW_METHODOLOGY_DIR or import one"
            )
        close = difflib.get_close_matches(wanted, ids, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise MethodologyError(f"unknown methodology '{name}'; known: {', '.join(ids)}{hint}")

    def _convert(self, path: Path, engine=None, new_id: str | None = None) -> tuple[Methodology, bytes]:
        """The methodology a file describes and the YAML bytes to store for it (nothing written)."""
        suffix = path.suffix.lower()
        if suffix not in YAML_SUFFIXES + PLAYBOOK_SUFFIXES:
            raise InputError(
                f"{path}: cannot import a '{suffix or 'extensionless'}' file; give a methodology "
                f".yaml, or a playbook as .md, .txt, .docx or .csv{_SAVE_AS.get(suffix, '')}"
            )
        raw = _read_bytes(path)
        if suffix in PLAYBOOK_SUFFIXES:
            from .playbook import import_playbook

            raw = methodology_to_yaml(import_playbook(raw, path.name, engine=engine).methodology)
        if new_id is not None:
            if not re.match(SLUG, new_id):
                raise MethodologyError(
                    f"--id {new_id!r} is not a valid id; use lower-case letters, digits, '_' or '-'"
                )
            bounded_text(raw, str(path), _YAML_LOADER)  # bounds first: _replace_id composes the YAML in pure Python
            raw = _replace_id(raw, new_id)
        return parse_methodology_bytes(raw, str(path)), raw

    def validate_file(self, path: str | Path) -> LoadedMethodology:
        """Check a methodology YAML or a playbook without importing it.

        path: the file. For a playbook, sha256 is that of the YAML it converts to.
        """
        path = Path(path)
        methodology, raw = self._convert(path)
        return LoadedMethodology(methodology, path, sha256_bytes(raw), "team")

    def import_file(
        self, path: str | Path, engine=None, new_id: str | None = None, replace: bool = False
    ) -> LoadedMethodology:
        """Validate a methodology YAML or playbook and store it in the team folder as <id>.yaml.

        path: the file to import. engine: an LLM ChatEngine for playbooks, or None for the
        deterministic parse. new_id: store under this id instead of the file's own.
        replace: allow replacing the team methodology (or file) that already has this id; the
        previous file is first copied to `<team folder>/versions/<id>.<UTC time>.yaml`.
        Without it, an id already in the library is an error naming the methodology it belongs to
        (two playbooks with one title must never silently overwrite each other). Importing the
        very same bytes again changes nothing. Nothing is written unless the result validates;
        the write is atomic.
        """
        path = Path(path)
        methodology, raw = self._convert(path, engine=engine, new_id=new_id)
        current = {loaded.methodology.id: loaded for loaded in self._collect()}
        clash = current.get(methodology.id)
        if clash is not None and clash.origin == "shipped":
            raise MethodologyError(
                f"{path}: id '{methodology.id}' is a shipped methodology; import it under another "
                f"id with --id NEW_ID"
            )
        # A team methodology keeps its file, wherever it was saved; an invalid file with the id's
        # name is replaced only with `replace` too.
        target = clash.path if clash is not None else self.team_dir / f"{methodology.id}.yaml"
        backup = None
        if target.exists():
            if target.read_bytes() == raw:
                return LoadedMethodology(methodology, target, sha256_bytes(raw), "team")
            if not replace:
                what = (f"the team methodology '{clash.methodology.name}' ({len(clash.methodology.criteria)} "
                        f"criteria, {target})" if clash is not None else f"the file {target}")
                raise MethodologyError(
                    f"{path}: id '{methodology.id}' is already used by {what}; import it under another "
                    f"id with --id NEW_ID, or replace that one with --replace (its file is kept as a backup)"
                )
            backup = self._back_up(target, methodology.id)
        self.team_dir.mkdir(parents=True, exist_ok=True)
        try:
            write_atomic(target, raw)
        except OSError as exc:
            raise InputError(f"{target}: cannot write the methodology ({exc.strerror}); check the folder") from None
        return LoadedMethodology(methodology, target, sha256_bytes(raw), "team", backup)

    def _back_up(self, target: Path, methodology_id: str) -> Path:
        """Copy a team file that is about to be replaced into `versions/`, named by the UTC time."""
        import shutil
        from datetime import UTC, datetime

        folder = self.team_dir / "versions"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        backup = folder / f"{methodology_id}.{stamp}.yaml"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, backup)
        except OSError as exc:
            raise InputError(
                f"{backup}: cannot keep a backup of {target} ({exc.strerror}); nothing was replaced; check the folder"
            ) from None
        return backup
