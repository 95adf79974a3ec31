"""The store as a signed-in person sees it: every query checks their scope (review.auth.Scope).

Deny by default: a store method that is not listed here cannot be called through a ScopedStore by
anyone but an admin, so a method added later is closed until someone decides who may use it.
Each listed method names what it is about (a call id, a review id, a rep name), and that thing's
rep must be in the scope; lists are filtered to the scope.

A rep reads their own calls and reviews, and the agenda of a review once their manager shares it
(review.agenda_doc.SHARED_KEY); never the manager's preparation. So to a rep the store hands reviews
whose draft is None until the agenda is shared and without the prep note, the Solution Chart's
reasons and ROAM after (agenda_doc.rep_view), refuses the agenda's documents until it is shared and
the prep note always, and lists calls without the focus skill of an agenda not shared. The one thing
a rep writes on a review is their self-review (review.self_review), which no one else writes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from ..agenda_doc import DRAFT_KEY, PREP_NOTE_KEY, is_agenda_key, rep_view
from ..auth import AccessDenied, Scope
from ..self_review import SELF_REVIEW_KEY
from ..types import CoachingDraft

# method -> (kind of the first argument, needs write access)
# kinds: "call" (call id), "review" (review id), "rep" (rep name), "free" (no call data)
_CHECKED: dict[str, tuple[str, bool]] = {
    "get_call": ("call", False),
    "update_call_status": ("call", True),
    "update_call_details": ("call", True),
    "get_transcript": ("call", False),
    "transcript_versions": ("call", False),
    "transcript_history": ("call", False),
    "save_transcript": ("call", True),
    "latest_review": ("call", False),
    "reviews_for_call": ("call", False),
    "save_review": ("call", True),
    "add_comment": ("call", True),
    "comments": ("call", False),
    "get_review": ("review", False),
    "add_override": ("review", True),
    "overrides": ("review", False),
    "override_history": ("review", False),
    "save_document": ("review", True),
    "get_document": ("review", False),
    "agenda_shared": ("review", False),
    "document_history": ("review", False),
    "restore_document": ("review", True),
    "add_evidence_mark": ("review", True),
    "evidence_marks": ("review", False),
    "rep_history": ("rep", False),
    "rep_trend_rows": ("rep", False),
    "rep_methodologies": ("rep", False),
    "scores_mark": ("free", False),  # two ids, nothing of a call
    "keep_upload": ("free", True),
    "add_job": ("free", True),
    "close": ("free", False),
}
# write methods whose `author` is the signed-in person, whatever the page passed
_AUTHORED = {"add_override", "add_comment", "save_document", "restore_document", "add_evidence_mark"}
_ADMIN_ONLY_TEXT = "only an admin may do this; ask an admin of this callreview"
# read methods whose reviews a rep gets as agenda_doc.rep_view has them
_REVIEW_READS = {"get_review", "latest_review", "reviews_for_call"}
_NOT_SHARED_TEXT = "your manager has not shared this agenda with you yet; it opens once they do"


class ScopedStore:
    """A Store restricted to what `scope` may see; the app hands pages this instead of the Store.

    store: the real review.store.Store. scope: the signed-in person's review.auth.Scope.
    """

    def __init__(self, store: Any, scope: Scope):
        self._store = store
        self.scope = scope
        self.uploads_dir = store.uploads_dir
        self.display_url = store.display_url

    # ------------------------------------------------------------------ checks

    def _call_allowed(self, call_id: int) -> bool:
        call = self._store.get_call(call_id)
        return call is not None and self.scope.allows_rep(call.rep)

    def _check(self, kind: str, target: Any, key: Any, write: bool) -> None:
        """target: the method's first argument (what it is about); key: its `key` argument, if any."""
        if self.scope.is_admin:
            return
        if write and self.scope.is_rep and kind == "review" and key != SELF_REVIEW_KEY:
            # reps read their reviews and agendas; they do not override scores or edit agendas
            raise AccessDenied("a rep may read this review but not change it; ask your manager")
        if write and not self.scope.is_rep and key == SELF_REVIEW_KEY:
            # the self-review is the rep's own view of the call; the manager reads it
            raise AccessDenied("the self-review is the rep's own; ask the rep to change it")
        if self.scope.is_rep and kind == "review" and key == PREP_NOTE_KEY:
            # the prep note is the manager's own preparation (their diagnosis, what to check first)
            raise AccessDenied("the prep note is your manager's; the agenda is yours to read")
        if kind == "call":
            ok = self._call_allowed(int(target))
        elif kind == "review":
            review = self._store.get_review(int(target))
            ok = review is not None and self._call_allowed(review.call_id)
        elif kind == "rep":
            ok = self.scope.allows_rep(target)
        else:
            ok = True
        if not ok:
            # "not found" rather than "forbidden": an id outside the scope tells nothing about itself
            raise AccessDenied(f"{kind} {target} is not in your calls; open it from the Calls list")
        if self.scope.is_rep and kind == "review" and is_agenda_key(key) and not self._shared(int(target)):
            raise AccessDenied(_NOT_SHARED_TEXT)

    def _shared(self, review_id: int) -> bool:
        return self._store.agenda_shared(review_id)[0]

    def _rep_review(self, review: Any) -> Any:
        """A review as a rep reads it: no draft until the agenda is shared, then without the
        manager's preparation."""
        if review is None:
            return None
        if not self._shared(review.id):
            return replace(review, draft=None, focus_criterion_id=None)
        return replace(review, draft=rep_view(review.draft) if review.draft is not None else None)

    def _as_rep_reads(self, name: str, key: Any, result: Any) -> Any:
        if name in _REVIEW_READS:
            return [self._rep_review(r) for r in result] if isinstance(result, list) else self._rep_review(result)
        if key != DRAFT_KEY or not result:
            return result
        # a redraft is a whole CoachingDraft, prep note and all: the rep gets its agenda only
        if name == "get_document":
            return (_rep_draft_json(result[0]), result[1])
        if name == "document_history":
            return [replace(v, content=_rep_draft_json(v.content)) for v in result]
        return result

    def __getattr__(self, name: str) -> Callable:
        method = getattr(self._store, name)
        if name in _CHECKED:
            kind, write = _CHECKED[name]

            def checked(*args, **kwargs):
                try:
                    given = inspect.signature(method).bind(*args, **kwargs).arguments
                except TypeError as exc:
                    raise TypeError(f"{name}: {exc}") from None
                target = next(iter(given.values()), None)  # the first argument, by position or by name
                self._check(kind, target, given.get("key"), write)
                if name in _AUTHORED:
                    kwargs["author"] = self.scope.display_name
                result = method(*args, **kwargs)
                return self._as_rep_reads(name, given.get("key"), result) if self.scope.is_rep else result

            return checked
        if name in _FILTERED:
            return _FILTERED[name].__get__(self)
        if self.scope.is_admin:
            return method
        raise AccessDenied(f"{name}: {_ADMIN_ONLY_TEXT}")


def _rep_draft_json(content: str) -> str:
    try:
        return rep_view(CoachingDraft.model_validate_json(content)).model_dump_json()
    except ValidationError:
        return ""  # not a draft: nothing of it is shown (agenda_doc.base_draft says to redraft)


def _list_calls(self: ScopedStore, *args, **kwargs):
    if self.scope.reps is not None:
        wanted = kwargs.get("reps")
        kwargs["reps"] = self.scope.reps if wanted is None else set(wanted) & self.scope.reps
    rows = self._store.list_calls(*args, **kwargs)
    if self.scope.is_rep:  # the focus skill is the manager's until they share the agenda
        rows = [r if r.review_id is None or r.agenda_shared
                else replace(r, focus_criterion_id=None, focus_criterion_name=None) for r in rows]
    return rows


def _reps(self: ScopedStore) -> list[str]:
    return [r for r in self._store.reps() if self.scope.allows_rep(r)]


def _find_call_by_sha(self: ScopedStore, sha256: str):
    """The call of this recording in the scope; AccessDenied when it is stored as a call outside it. Saying
    "not stored" instead would let the upload go on, and the review of a stored recording takes the call
    over (its rep and title become the uploader's): a rep would get another rep's call and its review."""
    call = self._store.find_call_by_sha(sha256)
    if call is not None and not self.scope.allows_rep(call.rep):
        raise AccessDenied("this recording is already stored as a call outside your calls; ask a manager who can "
                           "open it")
    return call


def _add_call(self: ScopedStore, **fields):
    if self.scope.is_rep:
        fields["rep"] = self.scope.display_name  # a rep uploads their own calls
    elif not self.scope.allows_rep(fields.get("rep")):
        rep = (fields.get("rep") or "").strip()
        if not rep:
            raise AccessDenied("name the rep of this call, so it lands in your team")
        if not self.scope.team:
            raise AccessDenied("you are in no team yet; ask an admin (`callreview users add ... --team`)")
        if self._store.team_of_rep(rep) not in (None, self.scope.team):
            raise AccessDenied(f"{rep} is in another team; ask an admin to move them")
        self._store.assign_rep(rep, self.scope.team)  # a manager's new rep joins their team
        from ..auth import scope_for

        self.scope = scope_for(self._store, self.scope.username)
    return self._store.add_call(**fields)


def _find_review_by_cache_key(self: ScopedStore, cache_key: str):
    review = self._store.find_review_by_cache_key(cache_key)
    if review is None or self.scope.is_admin:
        return review
    if not self._call_allowed(review.call_id):
        return None
    return self._rep_review(review) if self.scope.is_rep else review


def _mark_agenda_read(self: ScopedStore, review_id: int, reader: str | None = None) -> bool:
    """Only a rep's own reading counts, under their name; for anyone else it records nothing."""
    if not self.scope.is_rep:
        return False
    self._check("review", review_id, None, False)  # their own call's review, or AccessDenied
    return self._store.mark_agenda_read(review_id, self.scope.display_name)


def _list_jobs(self: ScopedStore, *args, **kwargs):
    if not self.scope.is_admin:
        kwargs["created_by"] = self.scope.username
    return self._store.list_jobs(*args, **kwargs)


def _get_job(self: ScopedStore, job_id: int):
    job = self._store.get_job(job_id)
    if job is not None and not self.scope.is_admin and job.created_by != self.scope.username:
        return None
    return job


_FILTERED: dict[str, Callable] = {
    "list_calls": _list_calls,
    "reps": _reps,
    "find_call_by_sha": _find_call_by_sha,
    "find_review_by_cache_key": _find_review_by_cache_key,
    "mark_agenda_read": _mark_agenda_read,
    "add_call": _add_call,
    "list_jobs": _list_jobs,
    "get_job": _get_job,
}
