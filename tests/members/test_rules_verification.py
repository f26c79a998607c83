"""The public answer's rules: names compared as people type them, the member number as stored, what each
status means for an employer, and why a certificate is not offered."""

import datetime
import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members.rules import Status
from members.rules.verification import (
    EMPLOYER_MEANINGS,
    certified_since,
    member_number_key,
    name_key,
    names_match,
    proof_refusal,
)

APOSTROPHES = ["'", "’", "ʼ", "‘", "`", "´", "ʻ", "′", "＇"]
# Names as they are written: Latin letters with and without accents, in parts joined by spaces, hyphens
# and apostrophes.
LETTERS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzàáâãäåçèéêëìíîïñòóôõöùúûüýÿčšžőű"))
PART = st.text(LETTERS, min_size=1, max_size=8)
SEPARATOR = st.sampled_from([" ", "-", *APOSTROPHES])
NAME = st.builds(
    lambda first, rest: first + "".join(separator + part for separator, part in rest),
    PART,
    st.lists(st.tuples(SEPARATOR, PART), max_size=3),
)


def without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@pytest.mark.parametrize(
    ("typed", "legal"),
    [
        ("o'brien", "O’Brien"),
        ("O’BRIEN", "O'Brien"),
        ("OBrien", "O’Brien"),
        ("oʼbrien", "O‘Brien"),
        ("  Lee-Smith ", "Lee-Smith"),
        ("lee smith", "Lee-Smith"),
        ("LeeSmith", "Lee-Smith"),
        ("nunez", "Núñez"),
        ("NÚÑEZ", "Nuñez"),
        ("Strasse", "Straße"),
        ("Orsted", "Ørsted"),
        ("Lukasz", "Łukasz"),
        ("de la cruz", "De La Cruz"),
        ("St John", "St. John"),
    ],
)
def test_names_match_whatever_the_case_accents_apostrophes_hyphens_and_spaces(typed, legal):
    assert names_match(typed, legal)


@pytest.mark.parametrize(
    ("typed", "legal"),
    [
        ("Whitfield", "Reyes-Whitfield"),  # a part of a double name is not the name
        ("Lee", "Leé-Smith"),
        ("Brian", "O’Brien"),
        ("Nunes", "Núñez"),
        ("", "Lee"),
        ("'-’", ""),  # no letter at all matches nothing, not even a name without letters
    ],
)
def test_other_names_do_not_match(typed, legal):
    assert not names_match(typed, legal)


@given(NAME)
def test_the_key_is_the_same_whatever_the_case_and_surrounding_spaces(name):
    assert name_key(f"  {name.upper()}\t") == name_key(name) == name_key(name.title())


@given(NAME)
def test_the_key_is_the_same_with_or_without_accents(name):
    assert name_key(without_accents(name)) == name_key(name)


@given(NAME, st.sampled_from(APOSTROPHES), st.sampled_from(APOSTROPHES))
def test_the_key_is_the_same_whatever_the_apostrophe(name, one, other):
    assert name_key(name.replace("'", one)) == name_key(name.replace("'", other))


@given(NAME)
def test_the_key_is_idempotent_and_keeps_only_letters(name):
    key = name_key(name)
    assert name_key(key) == key
    assert key.isalpha()
    assert key == key.casefold()


@given(NAME, NAME)
def test_names_with_other_letters_do_not_match(one, other):
    # The strategy's letters are a-z with accents: without them, only a-z remain to compare
    letters = [without_accents(name).casefold() for name in (one, other)]
    plain = ["".join(c for c in name if c in string.ascii_lowercase) for name in letters]
    assert names_match(one, other) == (plain[0] == plain[1])


def test_a_member_number_is_compared_as_stored():
    assert member_number_key(" d00012 ") == "D00012"
    assert member_number_key("200123") == "200123"


def test_every_status_has_one_sentence_for_an_employer():
    assert set(EMPLOYER_MEANINGS) == set(Status)
    for status, meaning in EMPLOYER_MEANINGS.items():
        assert meaning.count(".") == 1 and meaning.endswith("."), status
    assert EMPLOYER_MEANINGS[Status.ACTIVE].startswith("Currently certified")
    for status in set(Status) - {Status.ACTIVE}:
        assert EMPLOYER_MEANINGS[status].startswith("Not currently certified: ")
    assert "becomes Active again as soon as all unpaid fees are paid" in EMPLOYER_MEANINGS[Status.LAPSED]
    assert "only by passing the certification exam again" in EMPLOYER_MEANINGS[Status.EXAM_REQUIRED]


def test_certified_since_gives_the_reinstatement_when_there_is_one():
    assert certified_since(datetime.date(2019, 5, 14), None) == "May 14, 2019"
    assert (
        certified_since(datetime.date(2010, 5, 14), datetime.date(2026, 2, 1))
        == "May 14, 2010; reinstated February 1, 2026"
    )


def test_a_certificate_is_refused_for_every_status_but_active_with_what_to_do():
    assert proof_refusal(Status.ACTIVE) is None
    assert proof_refusal(Status.LAPSED) == (
        "A certificate and a wallet card prove an Active certification; this one is Lapsed (fees). "
        "Pay all unpaid annual fees: the certificate and wallet card are available again as soon as the "
        "certification is Active."
    )
    for status in (Status.NONCOMPLIANT, Status.MUST_RECERTIFY, Status.EXAM_REQUIRED):
        assert f"this one is {status.label}. Apply to recertify" in proof_refusal(status)
