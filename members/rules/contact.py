"""A member's contact details (phone and postal address): the lists and the checks, pure (no ORM).

`contact_details_clean` is the one check: the profile service, the member creation service (the admin
and the CSV import) and the admin's forms call it, so every door refuses the same values with the same
words. Whether an address is complete enough for a letter is the mail batch's `unprintable_reason`.
"""

import re
from collections.abc import Mapping

import phonenumbers
from django.core.exceptions import ValidationError

# USPS two-letter codes: the 50 states, DC, the territories and the military "states" (APO/FPO/DPO).
US_STATE_CODES = frozenset(
    """AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC
    ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP AA AE AP""".split()  # noqa: SIM905 (a table reads better)
)

# ISO 3166-1 alpha-2: the 249 officially assigned codes (as in the IANA time zone database's iso3166.tab).
COUNTRY_CODES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT
    BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER
    ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID
    IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV
    LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR
    NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC
    VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split()  # noqa: SIM905
)

ZIP_CODE = re.compile(r"(\d{5})(?:[ -]?(\d{4}))?")

BAD_COUNTRY = "Enter a two-letter country code (ISO 3166), such as US, CA or GB."
BAD_STATE = "Enter the two-letter code of a US state, DC, a territory or a military address, such as IL."
BAD_ZIP = "Enter a ZIP code of 5 digits or ZIP+4, such as 62701 or 62701-1234."
BAD_PHONE = (
    "Enter a phone number with its area code, such as (217) 555-0123; "
    "for another country, start with + and its country code."
)


def contact_details_clean(values: Mapping[str, str], *, country: str = "US") -> dict[str, str]:
    """`values` (some of phone and the address fields) trimmed and normalized: country and US state upper-
    case, ZIP as 12345 or 12345-6789, the phone formatted (`phone_format`). `country` is the address's
    country when `values` has none; a US address gets the USPS rules, another country's only the trimming.

    Empty values are allowed (a member may have no phone or no address). Raises ValidationError with one
    error per wrong field, so a form shows each beside its field and an import names its column.
    """
    cleaned = {name: value.strip() for name, value in values.items()}
    errors: dict[str, str] = {}
    if "country" in cleaned:
        country = cleaned["country"] = cleaned["country"].upper()
        if country not in COUNTRY_CODES:
            errors["country"] = BAD_COUNTRY
    if cleaned.get("phone"):
        region = "US" if "country" in errors else country  # a wrong country is not also a wrong phone
        try:
            cleaned["phone"] = phone_format(cleaned["phone"], region=region)
        except ValueError:
            errors["phone"] = BAD_PHONE
    if country == "US":
        _us_address_clean(cleaned, errors)
    if errors:
        raise ValidationError({name: ValidationError(text, code="invalid") for name, text in errors.items()})
    return cleaned


def _us_address_clean(cleaned: dict[str, str], errors: dict[str, str]) -> None:
    if cleaned.get("state"):
        cleaned["state"] = cleaned["state"].upper()
        if cleaned["state"] not in US_STATE_CODES:
            errors["state"] = BAD_STATE
    if cleaned.get("postal_code"):
        match = ZIP_CODE.fullmatch(cleaned["postal_code"])
        if match is None:
            errors["postal_code"] = BAD_ZIP
        else:
            cleaned["postal_code"] = "-".join(part for part in match.groups() if part)


def phone_format(text: str, *, region: str = "US") -> str:
    """A valid phone number as it is stored and shown: a North American number (+1) in the national format,
    "(614) 555-0101"; any other in the international format, "+44 20 7946 0958". Either reads back as the
    same number (parsed with region US), so E.164 is one `phonenumbers.parse` away. Digits without a +
    are read as a number of `region` (the address's country). ValueError when it is no valid number.
    """
    try:
        number = phonenumbers.parse(text, region if region in phonenumbers.SUPPORTED_REGIONS else None)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{text!r} is not a phone number") from None
    # is_valid_number, not is_possible_number: the length alone lets "555-0123" (no area code) through.
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{text!r} is not a valid phone number")
    north_american = number.country_code == 1
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if north_american
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
