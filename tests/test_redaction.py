"""Redaction of identifiers in quotes and comments."""

import pytest

import aeeval as ae
from aeeval.redaction import find_identifiers, is_valid_nhs_number

# Valid NHS numbers: 943 476 5919 is the NHS Digital documentation example; 4010232137 is
# checked by hand with the Modulus 11 rule in test_mod11_by_hand below.
VALID = ["943 476 5919", "9434765919", "943-476-5919", "4010232137"]
INVALID = ["943 476 5918", "1234567890", "943 476 591"]


def test_mod11_by_hand():
    # 4010232137: 4*10+0*9+1*8+0*7+2*6+3*5+2*4+1*3+3*2 = 40+0+8+0+12+15+8+3+6 = 92;
    # 92 mod 11 = 4; 11 - 4 = 7 = last digit → valid.
    assert is_valid_nhs_number("4010232137")
    # 1234567890: 10+18+24+28+30+30+28+24+18 = 210; 210 mod 11 = 1; 11 - 1 = 10 → never valid.
    assert not is_valid_nhs_number("1234567890")


@pytest.mark.parametrize("number", VALID)
def test_valid_nhs_numbers_are_redacted(number):
    assert ae.redact(f"Patient {number} agreed.") == "Patient [nhs_number] agreed."


@pytest.mark.parametrize("number", INVALID)
def test_invalid_nhs_numbers_are_left(number):
    assert "[nhs_number]" not in ae.redact(f"Ref {number} here")


@pytest.mark.parametrize("phone", ["020 7946 0018", "01632 960770", "07700 900123", "+44 20 7946 0018",
                                   "+44 (0)20 7946 0018", "(020) 7946 0018", "0113 496 0000"])
def test_uk_phone_numbers(phone):
    assert ae.redact(f"Ring {phone} today") == "Ring [phone] today"


def test_short_numbers_and_years_are_not_phones():
    text = "In 2019 we met 12 times; 020 7946 was cut off; ward 0123."
    assert ae.redact(text) == text


@pytest.mark.parametrize("postcode", ["LS1 4AP", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "ls1 4ap"])
def test_postcodes(postcode):
    assert ae.redact(f"Held at {postcode}.") == "Held at [postcode]."


def test_emails():
    assert ae.redact("Mail first.last+ae@nhs.net, or x@trust.nhs.uk.") == "Mail [email], or [email]."


def test_names_whole_words_only():
    names = ["Ann Lee", "Tom Evans"]
    text = "Ann Lee planned the annual meeting; Tom said Evans' plan was fine. Tomorrow, Annie came."
    assert ae.redact(text, names=names) == (
        "[name] planned the annual meeting; [name] said [name]' plan was fine. Tomorrow, Annie came.")
    assert ae.redact("ANN LEE and ann lee", names=names) == "[name] and [name]"


def test_nothing_to_redact_is_unchanged_and_missing_passes_through():
    assert ae.redact("The patient voice changed everything.") == "The patient voice changed everything."
    assert ae.redact(None) is None


def test_find_identifiers_positions():
    text = "Call 020 7946 0018 about 943 476 5919"
    found = find_identifiers(text)
    assert [(i.kind, text[i.start:i.end]) for i in found] == [("phone", "020 7946 0018"),
                                                              ("nhs_number", "943 476 5919")]


def test_example_data_identifiers_are_found(examples):
    seg = ae.read_table(examples / "interview_segments.csv", "interview_segments")
    reg = ae.read_table(examples / "register.csv", "register")
    names = reg["contact_name"].dropna().tolist()
    flagged = [t for t in seg["text"] if find_identifiers(t, names)]
    assert flagged, "the example transcripts carry identifiers to redact"
    for t in flagged:
        assert not find_identifiers(ae.redact(t, names), names)


def test_names_inside_other_words_are_left():
    # Issue 4: names inside words must not be touched ("Lee" in "Leeds", "Evans" in "Evanston",
    # "Ann" in "Annual"/"Hannah"), while the names themselves are.
    names = ["Ann Lee", "Tom Evans"]
    text = "Annual review in Leeds with Hannah from Evanston; Lee and Evans attended."
    assert ae.redact(text, names=names) == (
        "Annual review in Leeds with Hannah from Evanston; [name] and [name] attended.")
