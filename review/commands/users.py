"""`callreview users add|list|disable|enable|reset|assign-rep`: accounts and teams of the app."""

from __future__ import annotations

import sys

from ..errors import InputError


def register(sub) -> None:
    p = sub.add_parser("users", help="app accounts: add, list, disable, enable, reset a password; teams",
                       description="Roles: admin (everything), manager (the calls of their team's reps), "
                       "rep (their own calls). Create the first admin with `callreview users add NAME --admin`.")
    s = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = s.add_parser("add", help="create an account (asks for the password)")
    add.add_argument("username")
    role = add.add_mutually_exclusive_group()
    role.add_argument("--admin", action="store_true", help="role admin")
    role.add_argument("--role", choices=["admin", "manager", "rep"], help="default: manager")
    add.add_argument("--team", help="the team a manager leads or a rep is in")
    add.add_argument("--name", dest="display_name", default="",
                     help="display name; for a rep, the name on their calls (e.g. 'Alex Rivera')")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--sso", action="store_true", help="no password: signs in through OIDC (CALLREVIEW_AUTH=oidc)")
    add.set_defaults(handler=run_add)
    s.add_parser("list", help="every account with role, team and state").set_defaults(handler=run_list)
    for action, text in (("disable", "refuse sign-in (keeps the account and its history)"),
                         ("enable", "allow sign-in again and clear a lock")):
        a = s.add_parser(action, help=text)
        a.add_argument("username")
        a.set_defaults(handler=run_disable, disable=action == "disable")
    reset = s.add_parser("reset", help="set a new password (and clear a lock)")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    reset.set_defaults(handler=run_reset)
    assign = s.add_parser("assign-rep", help="put a rep (the name on their calls) in a team")
    assign.add_argument("rep")
    assign.add_argument("--team", required=True)
    assign.set_defaults(handler=run_assign)


def _store():
    from ..settings import load_settings
    from ..store import Store

    return Store.from_settings(load_settings())


def _password(from_stdin: bool) -> str:
    import getpass

    if from_stdin:
        try:
            line = sys.stdin.readline()
        except UnicodeDecodeError:  # standard input that decodes strictly (a non-UTF-8 locale's errors)
            raise InputError(_NOT_ONE_LINE) from None
        # the line ending only (\n, or \r\n from Windows); spaces are part of the password
        return _one_line(line[:-2] if line.endswith("\r\n") else line.removesuffix("\n"))
    if not sys.stdin.isatty():
        raise InputError("no terminal to ask for the password; pipe it with --password-stdin")
    first = _one_line(getpass.getpass("Password: "))
    if getpass.getpass("Again: ") != first:
        raise InputError("the two passwords differ; run the command again")
    return first


_NOT_ONE_LINE = ("the password is not one line of text (bytes that are not UTF-8, or a control character such as a "
                 "tab or carriage return); give it as UTF-8 text on one line")


def _one_line(password: str) -> str:
    """The password, if it is one line of text that can be typed at sign-in: no undecodable bytes (read
    as surrogates) and no control characters (a stray carriage return or tab, a NUL)."""
    import unicodedata

    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in password):
        raise InputError(_NOT_ONE_LINE)
    return password


def run_add(args) -> int:
    from ..auth import hash_password

    role = "admin" if args.admin else (args.role or "manager")
    if role == "rep" and not args.display_name:
        raise InputError("a rep needs --name, the rep name on their calls (e.g. --name 'Alex Rivera')")
    secret = None if args.sso else hash_password(_password(args.password_stdin))
    store = _store()
    try:
        store.add_user(args.username, role, secret, display_name=args.display_name, team=args.team)
    finally:
        store.close()
    print(f"Added {role} {args.username.strip().lower()}" + (f" in team {args.team}" if args.team else ""))
    return 0


def run_list(args) -> int:
    store = _store()
    try:
        rows = store.list_users()
    finally:
        store.close()
    if not rows:
        print("No accounts yet: create the first admin with `callreview users add NAME --admin`.")
        return 0
    print(f"{'username':<24} {'role':<8} {'team':<16} {'state':<9} display name")
    for u in rows:
        state = "disabled" if u.disabled else ("sso" if not u.password_hash else "active")
        print(f"{u.username:<24} {u.role:<8} {(u.team or '-'):<16} {state:<9} {u.display_name}")
    return 0


def run_disable(args) -> int:
    store = _store()
    try:
        values = {"disabled": args.disable}
        if not args.disable:
            values.update(failed_logins=0, locked_until=None)
        store.update_user(args.username, **values)
    finally:
        store.close()
    print(f"{'Disabled' if args.disable else 'Enabled'} {args.username}")
    return 0


def run_reset(args) -> int:
    from ..auth import hash_password

    secret = hash_password(_password(args.password_stdin))
    store = _store()
    try:
        store.update_user(args.username, password_hash=secret, failed_logins=0, locked_until=None)
    finally:
        store.close()
    print(f"New password set for {args.username}")
    return 0


def run_assign(args) -> int:
    store = _store()
    try:
        store.assign_rep(args.rep, args.team)
    finally:
        store.close()
    print(f"{args.rep} is in team {args.team}")
    return 0
