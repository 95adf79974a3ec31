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
