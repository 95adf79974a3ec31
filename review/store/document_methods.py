"""Store methods for what managers add to a review: score overrides, timed comments on the call,
and versioned documents (agenda sections, prep note) with edit conflicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, insert, select, update
from sqlalchemy import exc as sa_exc

from ..errors import EditConflict, StoreError
from ..migrations import calls, comments, documents, overrides, reviews, utc_now
from ..overrides import apply_overrides
from .base import StoreBase, inserted_id
from .records import Comment, DocumentVersion, Override, ReviewRecord, scored_criterion


class DocumentMethods(StoreBase):
    """The overrides, comments and documents part of `review.store.Store` (uses its get_review)."""

    if TYPE_CHECKING:  # provided by ReviewMethods in the composed Store
        def get_review(self, review_id: int) -> ReviewRecord | None: ...

    def add_override(
        self, review_id: int, criterion_id: str, score: int, comment: str, author: str = "manager"
    ) -> int:
        """Append a manager's score for one criterion; the AI's score stays in the scorecard.

        review_id: the review. criterion_id: a criterion of its scorecard.
        score: on the criterion's scale (0..max_score). comment: why. author: who.
        """
        review = self.get_review(review_id)
        criterion = scored_criterion(review, review_id, criterion_id, "override")
        assert review is not None  # scored_criterion refused a missing review
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= criterion.max_score:
            raise StoreError(f"override score {score!r} for '{criterion_id}' must be a whole number "
                             f"from 0 to {criterion.max_score}")
        with self._write() as conn:
            new_id = inserted_id(conn.execute(insert(overrides).values(
                review_id=review_id, criterion_id=criterion_id, score=score,
                comment=comment.strip(), author=author, created_at=utc_now(),
            )))
            # The review's total_percent column (the Calls list shows, filters and sorts by it) is the
            # effective total, overrides applied; the AI's own total stays in its scorecard.
            latest = {r.criterion_id: {"score": r.score} for r in conn.execute(
                select(overrides.c.criterion_id, overrides.c.score)
                .where(overrides.c.review_id == review_id).order_by(overrides.c.id))}
            effective = apply_overrides(review.scorecard, latest)
            conn.execute(update(reviews).where(reviews.c.id == review_id)
                         .values(total_percent=effective.total_percent))
            return new_id

    def overrides(self, review_id: int) -> dict[str, Override]:
        """The latest override of each overridden criterion of the review."""
        return {o.criterion_id: o for o in self.override_history(review_id)}

    def override_history(self, review_id: int, criterion_id: str | None = None) -> list[Override]:
        """Every override of the review (or of one criterion), oldest first."""
        query = select(overrides).where(overrides.c.review_id == review_id)
        if criterion_id is not None:
            query = query.where(overrides.c.criterion_id == criterion_id)
        with self._read() as conn:
            return [Override(**r) for r in conn.execute(query.order_by(overrides.c.id)).mappings()]

    def add_comment(self, call_id: int, at_s: float, text: str, author: str = "manager") -> int:
        """Append a comment at a moment of the call and return its id.

        call_id: the call. at_s: seconds from the start. text: the comment. author: who.
        """
        if not text.strip():
            raise StoreError("comment text is empty; write something to save")
        if at_s < 0:
            raise StoreError(f"comment time {at_s} s is negative; use seconds from the start")
        with self._write() as conn:
            self._require(conn, calls, call_id, "call")
            return inserted_id(conn.execute(insert(comments).values(
                call_id=call_id, at_s=float(at_s), text=text.strip(), author=author,
                created_at=utc_now(),
            )))

    def comments(self, call_id: int) -> list[Comment]:
        """The call's comments in time order."""
        with self._read() as conn:
            return [Comment(**r) for r in conn.execute(
                select(comments).where(comments.c.call_id == call_id)
                .order_by(comments.c.at_s, comments.c.id)).mappings()]

    # ------------------------------------------------------------------ documents

    def save_document(
        self, review_id: int, key: str, content: str, base_version: int | None,
        author: str = "manager",
    ) -> int:
        """Save an edited document as a new version and return the version number.

        Content equal to the latest version's is not stored again (its version is returned).
        review_id: the review. key: "agenda/<section key>" or "prep_note".
        content: the full new text. base_version: the version the editor opened (None = none);
            if it is not the latest any more, EditConflict is raised and nothing is saved.
        author: who saved it.
        """
        if not key or len(key) > 100:
            raise StoreError(f"document key {key!r} must be 1 to 100 characters, e.g. 'prep_note'")
        with self._write() as conn:
            self._require(conn, reviews, review_id, "review")
            last = conn.execute(
                select(documents.c.version, documents.c.content)
                .where(and_(documents.c.review_id == review_id, documents.c.key == key))
                .order_by(documents.c.version.desc()).limit(1)
            ).first()
            if last is not None and last.content == content:
                return int(last.version)
            latest = last.version if last is not None else None
            if base_version != latest:
                raise _conflict(latest, base_version)
            version = 1 if latest is None else latest + 1
            try:
                conn.execute(insert(documents).values(
                    review_id=review_id, key=key, version=version, content=content,
                    author=author, created_at=utc_now(),
                ))
            except sa_exc.IntegrityError:  # another writer stored this version first
                raise _conflict(version, base_version) from None
            return version

    def get_document(self, review_id: int, key: str) -> tuple[str, int] | None:
        """(content, version) of the document's latest version, or None if it has none."""
        with self._read() as conn:
            row = conn.execute(
                select(documents.c.content, documents.c.version)
                .where(and_(documents.c.review_id == review_id, documents.c.key == key))
                .order_by(documents.c.version.desc()).limit(1)
            ).first()
        return (row.content, int(row.version)) if row else None

    def agenda_shared(self, review_id: int) -> tuple[bool, int | None]:
        """(whether the manager shared the review's agenda with the rep, the version of that switch or
        None when it was never touched): the latest version of review.agenda_doc.SHARED_KEY."""
        from ..agenda_doc import SHARED, SHARED_KEY

        found = self.get_document(review_id, SHARED_KEY)
        return (found is not None and found[0] == SHARED), (found[1] if found else None)

    def mark_agenda_read(self, review_id: int, reader: str) -> bool:
        """The rep opened the agenda shared with them: kept once per share, its author and time telling
        the manager who read it and when (review.agenda_doc.READ_KEY). Nothing for an agenda not shared.
        Returns whether a new read was recorded.
        """
        from ..agenda_doc import READ_KEY, read_marker

        shared, version = self.agenda_shared(review_id)
        if not shared or version is None:
            return False
        latest = self.get_document(review_id, READ_KEY)
        if latest is not None and latest[0] == read_marker(version):
            return False
        try:
            self.save_document(review_id, READ_KEY, read_marker(version), latest[1] if latest else None,
                               author=reader)
        except EditConflict:
            return False  # the same rep in a second tab recorded it a moment ago
        return True

    def document_history(self, review_id: int, key: str) -> list[DocumentVersion]:
        """Every version of the document, oldest first."""
        with self._read() as conn:
            return [DocumentVersion(**r) for r in conn.execute(
                select(documents.c.version, documents.c.content, documents.c.author,
                       documents.c.created_at)
                .where(and_(documents.c.review_id == review_id, documents.c.key == key))
                .order_by(documents.c.version)).mappings()]

    def restore_document(
        self, review_id: int, key: str, version: int, base_version: int | None,
        author: str = "manager",
    ) -> int:
        """Make an old version's content the newest version (history is kept); returns it.

        review_id, key: the document. version: the version to restore.
        base_version: the version the editor has open (conflict rules as in save_document).
        author: who restored it.
        """
        old = next((v for v in self.document_history(review_id, key) if v.version == version), None)
        if old is None:
            raise StoreError(f"document '{key}' of review {review_id} has no version {version}; "
                             "pick one from its history")
        return self.save_document(review_id, key, old.content, base_version, author=author)


def _conflict(latest: int | None, base: int | None) -> EditConflict:
    opened = f"version {base}" if base is not None else "it"
    return EditConflict(f"this section was changed elsewhere (version {latest}) since you opened "
                        f"{opened}; reload to see it")
