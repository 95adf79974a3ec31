"""`callreview methodology list | show | validate | import`: the methodology library from the shell."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from ..methodology import PLAYBOOK_SUFFIXES, LoadedMethodology, MethodologyLibrary
from ..playbook import PlaybookImportWarning
from ..playbook.save import read_input_bytes, save_methodology
from ..settings import Settings, load_settings


def register(subparsers) -> None:
    """Add the `methodology` command and its actions to the `callreview` parser."""
    parser = subparsers.add_parser(
        "methodology",
        help="list, show, validate or import the methodologies calls are scored against",
        description="The methodology library: shipped methodologies plus the team's imported ones.",
    )
    parser.set_defaults(handler=lambda args: _usage(parser))
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    p = actions.add_parser("list", help="table of all methodologies")
    p.set_defaults(handler=run_list)

    p = actions.add_parser("show", help="sections and criteria of one methodology")
    p.add_argument("name", metavar="NAME", help="methodology id or name, e.g. meddpicc")
    p.set_defaults(handler=run_show)

    p = actions.add_parser("validate", help="check a methodology YAML or playbook without importing it")
    p.add_argument("file", metavar="FILE", help="a methodology .yaml, or a playbook .md / .txt / .docx / .csv")
    p.set_defaults(handler=run_validate)

    p = actions.add_parser("import", help="add a methodology YAML or playbook to the team's library")
    p.add_argument("file", metavar="FILE", help="a methodology .yaml, or a playbook .md / .txt / .docx / .csv")
    p.add_argument("--id", dest="new_id", metavar="NEW_ID", help="store it under this id instead")
    p.add_argument("--yes", action="store_true",
                   help="save an LLM-drafted playbook without asking (the draft is still printed)")
    p.add_argument("--replace", action="store_true",
                   help="replace the team methodology that already has this id (its file is kept in versions/)")
    p.set_defaults(handler=run_import)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _warn_problems(library: MethodologyLibrary) -> None:
    for problem in library.problems:
        print(f"callreview: warning: skipped {problem}", file=sys.stderr)


def run_list(args: argparse.Namespace) -> int:
    library = MethodologyLibrary(load_settings())
    rows = [("ID", "NAME", "VERSION", "CRITERIA", "ORIGIN")]
    for loaded in library.list():
        m = loaded.methodology
        rows.append((m.id, m.name, m.version, str(len(m.criteria)), loaded.origin))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    _warn_problems(library)
    return 0


def format_methodology(loaded: LoadedMethodology) -> str:
    """A methodology as readable text: sections, then each criterion with its rubric and coaching."""
    m = loaded.methodology
    lines = [f"{m.name} ({m.id}) v{m.version}, {len(m.criteria)} criteria, {loaded.origin}: {loaded.path}",
             m.description]
    if m.source:
        lines.append(f"Source: {m.source}")
    for section in m.sections:
        lines += ["", f"## {section.name} ({section.id})"]
        if section.description:
            lines.append(section.description)
        for c in (c for c in m.criteria if c.section == section.id):
            question_note = ", must be a question" if c.needs_question else ""
            lines += [
                "",
                f"- {c.name} ({c.id})",
                f"  Question: {c.question}",
                f"  Shown by: {c.shown_by}{question_note}; weight {c.weight:g}; target level {c.target}",
                "  Levels:",
                *(f"    {lv.score} {lv.label}: {lv.description}" for lv in c.levels),
                f"  Coaching ({c.coaching.likely_solution}): usual cause: {c.coaching.usual_cause}",
                f"    Drill: {c.coaching.drill}",
            ]
    return "\n".join(lines)


def run_show(args: argparse.Namespace) -> int:
    print(format_methodology(MethodologyLibrary(load_settings()).get(args.name)))
    return 0


def run_validate(args: argparse.Namespace) -> int:
    loaded = MethodologyLibrary(load_settings()).validate_file(args.file)
    m = loaded.methodology
    print(f"OK: {m.id} v{m.version}, {len(m.criteria)} criteria")
    return 0


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    for w in caught:
        if issubclass(w.category, PlaybookImportWarning):
            print(f"callreview: warning: {w.message}", file=sys.stderr)
        else:  # someone else's warning: show it as Python would have
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def run_import(args: argparse.Namespace) -> int:
    settings = load_settings()
    library = MethodologyLibrary(settings)
    path = Path(args.file)
    if path.suffix.lower() in PLAYBOOK_SUFFIXES:
        return _import_playbook(args, settings, library, path)
    loaded = library.import_file(path, new_id=args.new_id, replace=args.replace)
    _print_imported(loaded)
    return 0


def _print_imported(loaded: LoadedMethodology) -> None:
    m = loaded.methodology
    print(f"Imported {m.id} v{m.version}, {len(m.criteria)} criteria -> {loaded.path}")
    if loaded.backup is not None:
        print(f"Replaced the previous {m.id}; it is kept at {loaded.backup}")


def _confirmed(args: argparse.Namespace) -> bool | None:
    """True to save, False if the manager said no, None when nobody can be asked (no TTY)."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        return None
    answer = input("Save this methodology to the team library? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _import_playbook(args: argparse.Namespace, settings: Settings, library: MethodologyLibrary,
                     path: Path) -> int:
    """Read a playbook, print what was made and the guesses; an LLM draft is saved only once confirmed."""
    from ..playbook import format_report, import_playbook, llm_import

    raw = read_input_bytes(path)
    engine = llm_import.make_import_engine(settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = import_playbook(raw, path.name, engine=engine)
    _print_warnings(caught)
    drafted_by_llm = result.report.drafted_by != "rules"
    if drafted_by_llm:
        draft = LoadedMethodology(result.methodology, path, "", "team")
        print(format_methodology(draft).replace(f"team: {path}", "draft, not saved"), end="\n\n")
    print(format_report(result.report))
    for note in result.report.notes:
        print(f"callreview: warning: {note}", file=sys.stderr)
    if drafted_by_llm:
        answer = _confirmed(args)
        if answer is None:
            again = (f"{args.file}{f' --id {args.new_id}' if args.new_id else ''}"
                     f"{' --replace' if args.replace else ''} --yes")
            print(f"callreview: nothing saved: the LLM's draft needs your review; check it above, then run "
                  f"`callreview methodology import {again}` to save it", file=sys.stderr)
            return 1
        if not answer:
            print("Not saved.")
            return 1
    loaded = save_methodology(library, result.methodology, path, args.new_id, replace=args.replace)
    m = loaded.methodology
    print(f"Imported {m.id} v{m.version}, {len(m.criteria)} criteria -> {loaded.path}")
    if loaded.backup is not None:
        print(f"Replaced the previous {m.id}; it is kept at {loaded.backup}")
    return 0
