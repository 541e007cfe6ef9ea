"""Redaction of identifiers in quotes and comments."""

import pytest

import aeeval as ae
from aeeval.redaction import find_identifiers, is_valid_nhs_number

# Valid NHS numbers: 943 476 5919 is the NHS Digital documentation example; 4010232137 is
# checked by hand with the Modulus 11 rule in test_mod11_by_hand below.
# Any spacing: grouped 3-3-4 or otherwise, doubled spaces, non-breaking spaces, hyphens.
VALID = [
    "943 476 5919",
    "9434765919",
    "943-476-5919",
    "4010232137",
    "943  476  5919",
    "9434 765 919",
    "94 34 76 59 19",
    "943\u00a0476\u00a05919",
    "401 023 2137",
]
# Wrong check digit (5918, 2136), check digit 10 (1234567890: never valid), nine or eleven digits.
INVALID = ["943 476 5918", "1234567890", "943 476 591", "401 023 2136", "94347659190"]


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


@pytest.mark.parametrize(
    "phone",
    [
        # London 020 XXXX XXXX in every spacing
        "020 7946 0018",
        "02079460018",
        "020-7946-0018",
        "(020) 7946 0018",
        # 0XXXX XXXXXX and 0XXX XXX XXXX area codes, 0800/0300 non-geographic numbers
        "01632 960770",
        "01632960770",
        "(01632) 960770",
        "0113 496 0000",
        "0161-496-0000",
        "0800 123 4567",
        "0300 123 1234",
        # mobiles 07xxx
        "07700 900123",
        "07700900123",
        "07700 900 123",
        "07700-900-123",
        # international: +44 with or without (0), and 0044
        "+44 20 7946 0018",
        "+44 (0)20 7946 0018",
        "+447700900123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "0044 20 7946 0018",
    ],
)
def test_uk_phone_numbers(phone):
    assert ae.redact(f"Ring {phone} today") == "Ring [phone] today"


def test_short_numbers_and_years_are_not_phones():
    text = "In 2019 we met 12 times; 020 7946 was cut off; ward 0123."
    assert ae.redact(text) == text


@pytest.mark.parametrize(
    "postcode",
    [
        # every outward-code shape (A9, A99, AA9, AA99, A9A, AA9A) and GIR 0AA
        "LS1 4AP",
        "SW1A 1AA",
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "DN55 1PT",
        "W1A 0AX",
        "GIR 0AA",
        # any casing, no space, two spaces, a non-breaking space
        "ls1 4ap",
        "Ls1 4Ap",
        "LS14AP",
        "sw1a1aa",
        "LS1  4AP",
        "LS1\u00a04AP",
    ],
)
def test_postcodes(postcode):
    assert ae.redact(f"Held at {postcode}.") == "Held at [postcode]."


def test_emails():
    assert (
        ae.redact("Mail first.last+ae@nhs.net, or x@trust.nhs.uk.") == "Mail [email], or [email]."
    )


def test_names_whole_words_only():
    names = ["Ann Lee", "Tom Evans"]
    text = (
        "Ann Lee planned the annual meeting; Tom said Evans' plan was fine. Tomorrow, Annie came."
    )
    assert ae.redact(text, names=names) == (
        "[name] planned the annual meeting; [name] said [name]' plan was fine. Tomorrow, Annie came."
    )
    assert ae.redact("ANN LEE and ann lee", names=names) == "[name] and [name]"


def test_nothing_to_redact_is_unchanged_and_missing_passes_through():
    assert (
        ae.redact("The patient voice changed everything.")
        == "The patient voice changed everything."
    )
    assert ae.redact(None) is None


def test_find_identifiers_positions():
    text = "Call 020 7946 0018 about 943 476 5919"
    found = find_identifiers(text)
    assert [(i.kind, text[i.start : i.end]) for i in found] == [
        ("phone", "020 7946 0018"),
        ("nhs_number", "943 476 5919"),
    ]


def test_find_identifiers_answers_the_same_when_asked_again():
    # Answers are kept for repeated texts: each call still gets a list of its own to change,
    # names given as a list, a tuple or one string are the same names, and a text longer than
    # those kept (8,192 characters) is searched in full.
    text = "Ask Sam Patel on 020 7946 0018"
    first = find_identifiers(text, ["Sam Patel"])
    first.clear()
    again = find_identifiers(text, ["Sam Patel"])
    assert [i.kind for i in again] == ["name", "phone"]
    assert again is not find_identifiers(text, ("Sam Patel",))
    assert find_identifiers(text, "Sam Patel") == find_identifiers(text, ("Sam Patel",)) == again
    assert [i.kind for i in find_identifiers(text)] == ["phone"]  # the names are part of the key
    long = "x " * 5000 + text
    assert [(i.kind, i.start) for i in find_identifiers(long, ["Sam Patel"])] == [
        ("name", 10004),
        ("phone", 10017),
    ]


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
        "Annual review in Leeds with Hannah from Evanston; [name] and [name] attended."
    )


def test_numbers_that_are_not_identifiers_are_left():
    text = (
        "In 2019-2020 we had 12,000 patients; on 01/02/2020 at 10:30 the 0-10 scores rose; "
        "budget £1,234,567; the A1 road and the M1; Q22c was 0.71."
    )
    assert ae.redact(text) == text


def test_names_possessives_and_case():
    names = ["Sarah Jones"]
    assert ae.redact("Sarah's idea and Jones's plan; Jones’ team, Sarah’s ward.", names=names) == (
        "[name]'s idea and [name]'s plan; [name]’ team, [name]’s ward."
    )
    # Full names in any case; single names capitalised or in capitals, never in lower case
    # (a listed "Hall" or "Wood" must not swallow the ordinary word).
    assert ae.redact("SARAH JONES, sarah jones, SARAH and JONES", names=names) == (
        "[name], [name], [name] and [name]"
    )
    assert (
        ae.redact("the hall and the wood", names=["Ann Hall", "Tom Wood"])
        == "the hall and the wood"
    )
    # A full name split over a line break is still one name.
    assert ae.redact("Sarah\nJones said", names=names) == "[name] said"


def test_titles_in_listed_names_are_not_names_on_their_own():
    names = ["Dr Sean O'Brien"]
    assert ae.redact("Dr Sean O'Brien met Dr Patel; O'Brien agreed.", names=names) == (
        "[name] met Dr Patel; [name] agreed."
    )


def test_one_name_given_as_a_string():
    # A string is one name, not a list of letters ("a", "I" must not become [name]).
    assert (
        ae.redact("I saw a note from Sarah Jones", names="Sarah Jones")
        == "I saw a note from [name]"
    )
    assert ae.redact("I saw a note", names=None) == "I saw a note"
