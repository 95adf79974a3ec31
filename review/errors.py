"""Typed errors. Each carries a one-line message that says what went wrong and what to do;
the CLI and the app print it as it is, never a traceback."""


class CallreviewError(Exception):
    """Base class: `str(err)` is the one-line message shown to the user."""


class InputError(CallreviewError):
    """A file the user gave us is missing, unreadable, of the wrong kind or too large."""


class NotAudioError(InputError):
    """A file that should be a recording and cannot be decoded as one (its message says what to give)."""


class ConfigError(CallreviewError):
    """A setting is invalid or names something that does not exist."""


class MethodologyError(CallreviewError):
    """A methodology file is invalid, or a methodology name is unknown."""


class LLMError(CallreviewError):
    """The configured LLM endpoint failed: unreachable, bad key, or output still invalid after retries."""


class StoreError(CallreviewError):
    """The store cannot be read or written, or an edit conflicts with a newer version."""


class EditConflict(StoreError):
    """Someone saved a newer version of this document since it was opened."""


class InvalidReplyError(LLMError):
    """The model's reply still did not parse or validate after the one re-ask."""
