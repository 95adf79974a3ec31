"""Store methods for rep voice profiles (table `voice_profiles`, see review.voices)."""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import delete, insert, select, update

from ..migrations import utc_now, voice_profiles
from ..voices import VoiceProfile, rep_key
from .base import StoreBase


def _profile(row) -> VoiceProfile:
    return VoiceProfile(
        rep=row.rep, embedding=np.array(json.loads(row.embedding), dtype=np.float32),
        n_samples=row.n_samples, seconds=row.seconds, sources=json.loads(row.sources),
        updated_at=row.updated_at,
    )


class VoiceMethods(StoreBase):
    """The voice-profile part of `review.store.Store`."""

    def voice_profile(self, rep: str) -> VoiceProfile | None:
        """The rep's voice profile (name matched ignoring case and spacing), or None."""
        with self._read() as conn:
            row = conn.execute(select(voice_profiles).where(voice_profiles.c.rep_key == rep_key(rep))).first()
        return _profile(row) if row else None

    def voice_profiles(self) -> list[VoiceProfile]:
        """Every voice profile, by rep name."""
        with self._read() as conn:
            rows = conn.execute(select(voice_profiles).order_by(voice_profiles.c.rep_key)).all()
        return [_profile(r) for r in rows]

    def save_voice_profile(self, profile: VoiceProfile) -> None:
        """Insert or replace the rep's profile (callers merge first, see review.voices.merged)."""
        values = {
            "rep": profile.rep, "rep_key": rep_key(profile.rep),
            "embedding": json.dumps([round(float(x), 6) for x in profile.embedding]),
            "n_samples": profile.n_samples, "seconds": round(profile.seconds, 2),
            "sources": json.dumps(profile.sources), "updated_at": utc_now(),
        }
        with self._write() as conn:
            exists = conn.execute(select(voice_profiles.c.id).where(
                voice_profiles.c.rep_key == values["rep_key"])).first()
            if exists:
                conn.execute(update(voice_profiles).where(voice_profiles.c.id == exists.id).values(**values))
            else:
                conn.execute(insert(voice_profiles).values(**values))

    def delete_voice_profile(self, rep: str) -> bool:
        """Remove the rep's profile; False when there was none."""
        with self._write() as conn:
            return conn.execute(delete(voice_profiles).where(voice_profiles.c.rep_key == rep_key(rep))).rowcount > 0
