"""A member's contact details checked and normalized (members.rules.contact): a table of what is refused
and what is kept, in which form. The services' and pages' tests show the same through a person's door."""

import phonenumbers
import pytest
from django.core.exceptions import ValidationError

from members.rules.contact import (
    BAD_COUNTRY,
    BAD_PHONE,
    BAD_STATE,
    BAD_ZIP,
    COUNTRY_CODES,
    US_STATE_CODES,
    contact_details_clean,
)


def test_the_state_list_is_the_usps_states_dc_territories_and_military_codes():
    territories_and_military = {"DC", "PR", "GU", "VI", "AS", "MP", "AA", "AE", "AP"}
    assert len(US_STATE_CODES) == 50 + len(territories_and_military)
    assert territories_and_military <= US_STATE_CODES
    assert {"IL", "NY", "WY", "HI", "AK"} <= US_STATE_CODES
    assert not {"ON", "XX", "USA"} & US_STATE_CODES


def test_the_country_list_is_iso_3166_alpha_2():
    assert len(COUNTRY_CODES) == 249
    assert {"US", "CA", "GB", "MX", "PR", "AQ"} <= COUNTRY_CODES
    assert not {"ZZ", "UK", "EU", "XK"} & COUNTRY_CODES  # user-assigned or reserved, not assigned


@pytest.mark.parametrize(
    ("values", "normalized"),
    [
        # US: state upper-case, ZIP as 5 or 5+4 digits, the phone in the national format
        ({"state": " il ", "postal_code": " 62701 "}, {"state": "IL", "postal_code": "62701"}),
        ({"postal_code": "62701-1234"}, {"postal_code": "62701-1234"}),
        ({"postal_code": "627011234"}, {"postal_code": "62701-1234"}),
        ({"postal_code": "62701 1234"}, {"postal_code": "62701-1234"}),
        ({"state": "ae", "city": " APO "}, {"state": "AE", "city": "APO"}),
        ({"phone": "217.555.0123"}, {"phone": "(217) 555-0123"}),
        ({"phone": "+1 217 555 0123"}, {"phone": "(217) 555-0123"}),
        ({"phone": "(614) 555-0101"}, {"phone": "(614) 555-0101"}),  # the demo's numbers are valid
        ({"phone": "+44 20 7946 0958"}, {"phone": "+44 20 7946 0958"}),
        ({"country": " us "}, {"country": "US"}),
        # Another country: its own regions and postal codes, trimmed; its national phone numbers
        (
            {
                "country": "gb",
                "state": "Greater London",
                "postal_code": " SW1A 1AA",
                "phone": "020 7946 0958",
            },
            {
                "country": "GB",
                "state": "Greater London",
                "postal_code": "SW1A 1AA",
                "phone": "+44 20 7946 0958",
            },
        ),
        (
            {"country": "CA", "state": "ON", "phone": "613-555-0101"},
            {"country": "CA", "phone": "(613) 555-0101"},
        ),
        # Nothing is required: a member may have no phone and no address
        (dict.fromkeys(("phone", "address_line1", "city", "state", "postal_code"), ""), {}),
    ],
)
def test_good_values_are_kept_normalized(values, normalized):
    assert (
        contact_details_clean(values) == {name: value.strip() for name, value in values.items()} | normalized
    )


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"postal_code": "ABCDE"}, {"postal_code": BAD_ZIP}),
        ({"postal_code": "6270"}, {"postal_code": BAD_ZIP}),
        ({"postal_code": "62701-12"}, {"postal_code": BAD_ZIP}),
        ({"state": "Not a state"}, {"state": BAD_STATE}),
        ({"state": "Illinois"}, {"state": BAD_STATE}),
        ({"state": "ON"}, {"state": BAD_STATE}),  # a US address: Ontario is not a US state
        ({"phone": "call me maybe"}, {"phone": BAD_PHONE}),
        ({"phone": "555-0123"}, {"phone": BAD_PHONE}),  # possible (7 digits), but no area code: not valid
        ({"phone": "(123) 456-7890"}, {"phone": BAD_PHONE}),  # no area code starts with 1
        ({"country": "ZZ"}, {"country": BAD_COUNTRY}),
        ({"country": "USA"}, {"country": BAD_COUNTRY}),
        ({"country": ""}, {"country": BAD_COUNTRY}),
        # A wrong country is one error: the phone is then read as a US number, not refused with it
        ({"country": "ZZ", "phone": "(217) 555-0123"}, {"country": BAD_COUNTRY}),
        # Each wrong field has its own error
        (
            {"state": "Not a state", "postal_code": "ABCDE", "phone": "call me maybe"},
            {"state": BAD_STATE, "postal_code": BAD_ZIP, "phone": BAD_PHONE},
        ),
    ],
)
def test_wrong_values_are_refused_each_with_its_message(values, errors):
    with pytest.raises(ValidationError) as refused:
        contact_details_clean(values)

    assert refused.value.message_dict == {name: [message] for name, message in errors.items()}


def test_a_phone_is_read_as_a_number_of_the_address_s_country():
    # A UK member types the national number; the stored form reads back as the same number
    cleaned = contact_details_clean({"phone": "020 7946 0958"}, country="GB")

    assert cleaned == {"phone": "+44 20 7946 0958"}
    stored = phonenumbers.parse(cleaned["phone"], "US")
    assert phonenumbers.format_number(stored, phonenumbers.PhoneNumberFormat.E164) == "+442079460958"
    with pytest.raises(ValidationError):  # a US number without +1 is not a UK one
        contact_details_clean({"phone": "(217) 555-0123"}, country="GB")
