"""Redaction of emails, phone numbers and Luhn-valid card numbers before text leaves the machine."""

from review.redact import CARD_TOKEN, EMAIL_TOKEN, PHONE_TOKEN, RedactionCounts, luhn_valid, redact


def test_emails_phones_and_cards_are_replaced_and_counted():
    counts = RedactionCounts()
    text = ("Mail jo.lee@acme.co.uk or call +44 20 7946 0958, or (555) 123-4567; "
            "the card is 4111 1111 1111 1111.")
    out = redact(text, counts)
    assert out == (f"Mail {EMAIL_TOKEN} or call {PHONE_TOKEN}, or {PHONE_TOKEN}; the card is {CARD_TOKEN}.")
    assert (counts.emails, counts.phones, counts.cards, counts.total) == (1, 2, 1, 4)


def test_numbers_that_matter_for_scoring_are_kept():
    text = "We lose 15 hours a week, about 80,000 dollars a year, since 2024; meet on the 14th at 10:30, 3 - 4 people."
    assert redact(text) == text


def test_card_numbers_must_pass_luhn():
    assert luhn_valid("4111111111111111") and luhn_valid("5500005555555559")
    assert not luhn_valid("4111111111111112") and not luhn_valid("1234")
    assert redact("ref 4111-1111-1111-1112") == "ref 4111-1111-1111-1112"
    assert redact("card 5500-0055-5555-5559 ok") == f"card {CARD_TOKEN} ok"


# --------------------------------------------------------------------------- issue 12 item 11: the gaps

import pytest  # noqa: E402

from review.redact import ADDRESS_TOKEN, IBAN_TOKEN, NAME_TOKEN, iban_valid, name_parts  # noqa: E402


@pytest.mark.parametrize("text, token", [
    ("4155550177", PHONE_TOKEN), ("14155550132", PHONE_TOKEN), ("(415) 555-0177", PHONE_TOKEN),
    ("+44 20 7946 0958", PHONE_TOKEN), ("555.123.4567", PHONE_TOKEN),
    ("4111.1111.1111.1111", CARD_TOKEN), ("4111-1111-1111-1111", CARD_TOKEN),
    ("GB82 WEST 1234 5698 7654 32", IBAN_TOKEN), ("GB82WEST12345698765432", IBAN_TOKEN),
    ("DE89 3704 0044 0532 0130 00", IBAN_TOKEN), ("FR14 2004 1010 0505 0001 3M02 606", IBAN_TOKEN),
])
def test_every_form_of_a_number_is_fully_redacted(text, token):
    out = redact(f"my number is {text}, thanks")
    assert out == f"my number is {token}, thanks"
    assert not any(ch.isdigit() for ch in out)


@pytest.mark.parametrize("text", [
    "2026-12-14", "12/14/2026", "14.12.2026", "14-12-2026", "at 10:30", "at 9:05 am", "$80,000", "$1,250,000",
    "\u20ac1.200.000", "1.200.000 euros", "12,000 users", "80000 dollars", "15%", "since 2024", "the 14th",
    "3 - 4 people", "version 2.3.1", "ref 4111-1111-1111-1112",
])
def test_dates_times_and_money_are_kept(text):
    assert redact(f"so {text} then") == f"so {text} then"


def test_iban_checksum():
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and not iban_valid("GB83 WEST 1234 5698 7654 32")
    assert redact("code GB83 WEST 1234 5698 7654 32") != "code [IBAN]"  # not an IBAN: left to the other rules


def test_names_and_addresses_only_when_asked():
    names = name_parts(["Alex Rivera", "SPEAKER_01", "customer", "Speaker 2", "Dana O'Neil"])
    assert names == ("Alex", "Rivera", "Dana", "O'Neil")
    text = ("Thanks Alex, this is Rivera's team; ship to 350 Mission Street, Suite 200, San Francisco, CA 94105 "
            "or London SW1A 1AA. Alexandra agrees.")
    assert redact(text) == text
    counts = RedactionCounts()
    out = redact(text, counts, names=names, addresses=True)
    assert out == (f"Thanks {NAME_TOKEN}, this is {NAME_TOKEN}'s team; ship to {ADDRESS_TOKEN}, San Francisco, "
                   f"{ADDRESS_TOKEN} or London {ADDRESS_TOKEN}. Alexandra agrees.")
    assert (counts.names, counts.addresses, counts.total) == (2, 3, 5)


def test_the_scoring_prompt_masks_names_with_redact_names():
    from review.score_prompt import render_turns
    from review.types import Segment, Transcript, TranscriptSource

    seg = Segment(id=0, speaker="Alex Rivera", role="rep", start=0, end=2,
                  text="Alex here, call me on 4155550177 before 2026-12-14.")
    transcript = Transcript(segments=[seg], source=TranscriptSource(file="c.json", format="json"))
    plain = render_turns(transcript, [0], True, RedactionCounts())
    assert plain == "[0] rep: Alex here, call me on [PHONE] before 2026-12-14."
    masked = render_turns(transcript, [0], True, RedactionCounts(), redact_names=True)
    assert masked == "[0] rep: [NAME] here, call me on [PHONE] before 2026-12-14."
