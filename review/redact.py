"""Remove emails, phone numbers and payment-card numbers from text before it leaves the machine.

Applied only to text sent to a non-local LLM endpoint (settings.redact, on by default). Quotes
shown to the manager are cut from the local transcript and stay unredacted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL_TOKEN = "[EMAIL]"
PHONE_TOKEN = "[PHONE]"
CARD_TOKEN = "[CARD]"

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
# 13-19 digits, optionally grouped by single spaces or dashes (how card numbers are read out/typed)
_CARD = re.compile(r"(?<![\d])(?:\d[ \-]?){12,18}\d(?![\d])")
# A phone number: optional +country code, optional (area), then groups of digits separated by
# spaces, dots or dashes, 7 to 15 digits in all. Plain numbers ("80000", "2024") do not match
# because at least one separator or a leading + / ( is required.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?\d{2,4}(?:[ .\-]\d{2,4}){1,4}(?![\w])"
    r"|(?<![\w])\+\d{7,15}\b"
)


def luhn_valid(digits: str) -> bool:
    """True if the digit string passes the Luhn checksum used by payment cards.

    digits: only the digits of the candidate number.
    """
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@dataclass
class RedactionCounts:
    emails: int = 0
    phones: int = 0
    cards: int = 0

    @property
    def total(self) -> int:
        return self.emails + self.phones + self.cards


def redact(text: str, counts: RedactionCounts | None = None) -> str:
    """`text` with emails, Luhn-valid card numbers and phone numbers replaced by tokens.

    text: the text to send.
    counts: optional tally updated in place (for the scorecard's flags).
    """
    counts = counts if counts is not None else RedactionCounts()

    def _email(m: re.Match) -> str:
        counts.emails += 1
        return EMAIL_TOKEN

    def _card(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if luhn_valid(digits):
            counts.cards += 1
            return CARD_TOKEN
        return m.group(0)

    def _phone(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if not 7 <= len(digits) <= 15:
            return m.group(0)
        counts.phones += 1
        return PHONE_TOKEN

    text = _EMAIL.sub(_email, text)
    text = _CARD.sub(_card, text)  # cards before phones: a card number also looks like digit groups
    return _PHONE.sub(_phone, text)
