"""Remove personal data from text before it leaves the machine.

Always (settings.redact, on by default): emails, phone numbers (grouped, bracketed, +country,
or a bare run of 10-15 digits), Luhn-valid payment-card numbers (13-19 digits, grouped by
spaces, dashes or dots) and IBANs (checked with their mod-97 checksum). Kept on purpose, because
criteria need them: dates (2026-12-14, 12/14/2026, 14.12.2026), times (10:30), money amounts
($80,000, EUR 1.200.000, 1.200.000 euros), percentages and short numbers.
With settings.redact_names (CALLREVIEW_REDACT_NAMES) also the speakers' names (each part of a
speaker label that looks like a name) and street addresses / postcodes.

Applied to text sent to a non-local LLM endpoint and to text embedded by a non-local embedding
function. Quotes shown to the manager are cut from the local transcript and stay unredacted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL_TOKEN = "[EMAIL]"
PHONE_TOKEN = "[PHONE]"
CARD_TOKEN = "[CARD]"
IBAN_TOKEN = "[IBAN]"
NAME_TOKEN = "[NAME]"
ADDRESS_TOKEN = "[ADDRESS]"

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
# Two letters, two check digits, then 11-30 letters/digits, optionally in groups of four.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", re.I)
# 13-19 digits, optionally grouped by single spaces, dashes or dots (how card numbers are read out/typed)
_CARD = re.compile(r"(?<![\d.])(?:\d[ \-.]?){12,18}\d(?![\d])")
# A phone number: optional +country code, optional (area), then groups of digits separated by
# spaces, dots or dashes, 7 to 15 digits in all; or a bare run of 10-15 digits ("4155550177",
# "14155550132"); or +digits. Shorter plain numbers ("80000", "2024") are amounts or years.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?\d{1,4}(?:[ .\-]\d{2,4}){1,5}(?![\w])"
    r"|(?<![\w+])\(\d{1,4}\)[ .\-]?\d{3,4}[ .\-]?\d{3,4}(?![\w])"
    r"|(?<![\w+.,])\d{10,15}(?![\w]|[.,]\d)"
    r"|(?<![\w])\+\d{7,15}\b"
)
_DATE = re.compile(r"\d{4}([-./])\d{1,2}\1\d{1,2}|\d{1,2}([-./])\d{1,2}\2(\d{4}|\d{2})")
_THOUSANDS = re.compile(r"\d{1,3}(?:([.,  ])\d{3})(?:\1\d{3})*")
_CURRENCY_BEFORE = re.compile(r"(?:[$€£¥₹]|\b(?:usd|eur|gbp|chf|aud|cad))\s?$", re.I)
_AMOUNT_AFTER = re.compile(
    r"^\s?(?:[$€£¥₹%]|k\b|m\b|bn\b|thousand|million|billion|dollars?|euros?|pounds?|percent|usd|eur|gbp|"
    r"units|users|seats|people|hours|days|orders|tickets)", re.I)
# A street address: house number, one to four capitalised words, a street type; or a postcode
# (UK "SW1A 1AA", US state + ZIP "CA 94107").
_STREET_TYPES = (r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
                 r"Square|Sq|Terrace|Parkway|Pkwy|Highway|Hwy|Close|Crescent|Strasse|Straße|Weg|Allee")
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][\w'\-]*\s+){{1,4}}(?:{_STREET_TYPES})\b\.?"
    rf"(?:,?\s+(?:Suite|Apt|Unit|Floor)\s+\w+)?"
    r"|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"
    r"|\b[A-Z]{2} \d{5}(?:-\d{4})?\b"
)
_NOT_NAMES = {"speaker", "rep", "customer", "agent", "unknown", "caller", "buyer", "seller", "host", "guest",
              "the", "and", "of", "mr", "mrs", "ms", "dr", "left", "right", "channel"}


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


def iban_valid(text: str) -> bool:
    """True if `text` (spaces allowed) is an IBAN with a valid ISO 13616 mod-97 checksum."""
    compact = re.sub(r"\s", "", text).upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def name_parts(speakers: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The parts of speaker labels that look like personal names ("Alex Rivera" -> Alex, Rivera;
    "SPEAKER_00", "rep", "Speaker 1" -> nothing)."""
    parts: list[str] = []
    for label in speakers:
        for word in re.findall(r"[^\W\d_][\w'\-]*", label or ""):
            if len(word) >= 2 and word.lower() not in _NOT_NAMES and "_" not in word and word not in parts:
                parts.append(word)
    return tuple(parts)


@dataclass
class RedactionCounts:
    emails: int = 0
    phones: int = 0
    cards: int = 0
    ibans: int = 0
    names: int = 0
    addresses: int = 0

    @property
    def total(self) -> int:
        return self.emails + self.phones + self.cards + self.ibans + self.names + self.addresses


def _kept_number(m: re.Match) -> bool:
    """A date, or a money amount / count written with thousands separators: not a phone number."""
    found = m.group(0)
    if _DATE.fullmatch(found):
        return True
    before, after = m.string[: m.start()], m.string[m.end():]
    return bool(_THOUSANDS.fullmatch(found) and (_CURRENCY_BEFORE.search(before) or _AMOUNT_AFTER.match(after)))


def redact(text: str, counts: RedactionCounts | None = None, names: tuple[str, ...] = (),
           addresses: bool = False) -> str:
    """`text` with personal data replaced by tokens ([EMAIL], [IBAN], [CARD], [PHONE], [NAME], [ADDRESS]).

    text: the text to send. counts: optional tally updated in place (for the scorecard's flags).
    names: personal names to replace (see `name_parts`), whole words, any case.
    addresses: also replace street addresses and postcodes.
    """
    counts = counts if counts is not None else RedactionCounts()

    def _email(m: re.Match) -> str:
        counts.emails += 1
        return EMAIL_TOKEN

    def _iban(m: re.Match) -> str:
        if iban_valid(m.group(0)):
            counts.ibans += 1
            return IBAN_TOKEN
        return m.group(0)

    def _card(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if luhn_valid(digits) and not _kept_number(m):
            counts.cards += 1
            return CARD_TOKEN
        return m.group(0)

    def _phone(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if not 7 <= len(digits) <= 15 or _kept_number(m):
            return m.group(0)
        counts.phones += 1
        return PHONE_TOKEN

    def _address(m: re.Match) -> str:
        counts.addresses += 1
        return ADDRESS_TOKEN

    def _name(m: re.Match) -> str:
        counts.names += 1
        return NAME_TOKEN

    text = _EMAIL.sub(_email, text)
    text = _IBAN.sub(_iban, text)  # before cards and phones: an IBAN holds long digit runs
    if addresses:
        text = _ADDRESS.sub(_address, text)  # before phones: a house number is not a phone
    text = _CARD.sub(_card, text)  # cards before phones: a card number also looks like digit groups
    text = _PHONE.sub(_phone, text)
    if names:
        alternatives = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
        text = re.sub(rf"(?<![\w\[])(?:{alternatives})(?![\w\]])", _name, text, flags=re.I)
    return text
