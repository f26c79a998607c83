"""The demo members: who they are, and the life of each of their certifications (a Timeline recipe, plus what
they have recorded in their current CCP cycle so far), relative to today."""

import datetime

from amtportal.demo import badges as badges_demo
from amtportal.demo import credentials as credentials_demo
from amtportal.demo.audit_plan import AuditRecipes
from amtportal.demo.plan import CertPlan, Claim, MemberPlan, Step, shift_months
from amtportal.demo.recert_plan import RecertRecipes
from amtportal.demo.timeline import Timeline

# --- The current cycle of an Active certification: what the member has recorded so far -----------------


def _recorded(t: Timeline, plan: CertPlan, claims: list[tuple[int, Claim]], note: str) -> CertPlan:
    """Adds claims recorded `days ago` (not before the current cycle started) and the CCP note."""
    for days_ago, claim in claims:
        plan.steps.append(Step(t.in_current_cycle(plan.certified_on, days_ago), "claim", claim=claim))
    plan.ccp_note = note
    return plan


def capped(t: Timeline, plan: CertPlan) -> CertPlan:
    articles = [
        "Safe injection practices",
        "Front-desk triage",
        "Point-of-care glucose",
        "Vaccine storage",
    ]
    claims = [
        (120 - 25 * index, Claim("authorship", f"Article: {title}", "Medical Assistant Today", "1"))
        for index, title in enumerate(articles)
    ]
    claims.append((20, Claim("professional-education", "Medication administration update", quantity="8")))
    return _recorded(t, plan, claims, "authorship capped: 4 articles = 20 points, 15 count; on track")


def compliant_by_points(t: Timeline, plan: CertPlan) -> CertPlan:
    claims = [
        (300, Claim("formal-education", "Anatomy and physiology II", "Columbus State", "2")),
        (200, Claim("instructional-presentation", "Lab safety in-service for new hires", quantity="5")),
        (
            90,
            Claim(
                "professional-education",
                "Molecular diagnostics essentials",
                "AMT online CE",
                "6",
                online_id="AMT-CE-MDX101",
            ),
        ),
    ]
    note = "current cycle already compliant by points (college course, presentation, online CE)"
    return _recorded(t, plan, claims, note)


def attested(t: Timeline, plan: CertPlan) -> CertPlan:
    claims = [(200, Claim("professional-education", "Quality control in the clinical lab", quantity="5"))]
    plan = _recorded(t, plan, claims, "current cycle compliant by attestation (signed, subject to audit)")
    plan.steps.append(Step(t.in_current_cycle(plan.certified_on, 30), "attest"))
    return plan


def short_of_points(t: Timeline, plan: CertPlan) -> CertPlan:
    claims = [
        (700, Claim("professional-education", "Infection control update", quantity="8")),
        (400, Claim("professional-education", "HIPAA privacy refresher", quantity="6")),
        (100, Claim("professional-education", "Webinar: patient identification", quantity="4")),
    ]
    return _recorded(
        t, plan, claims, "short of points with about 60 days left: the page says how many are still missing"
    )


def on_track(t: Timeline, plan: CertPlan) -> CertPlan:
    claims = [
        (
            200,
            Claim(
                "professional-education",
                "Point-of-care testing basics",
                "AMT online CE",
                "3",
                online_id="AMT-CE-POC110",
            ),
        ),
        (
            150,
            Claim("formal-education", "Medical terminology", "Community college", "1", quarter_hours=True),
        ),
        (40, Claim("professional-education", "Webinar: specimen labeling errors", quantity="2")),
    ]
    note = "on track: some points, the cycle ends in more than a year; 1 quarter credit hour = 10 points"
    return _recorded(t, plan, claims, note)


# number: (first name, middle name, last name, phone, address or None)
PEOPLE = {
    1: ("Maria", "Elena", "Alvarez", "(614) 555-0101", ("412 Maple Avenue", "", "Columbus", "OH", "43215")),
    2: ("David", "", "Chen", "(207) 555-0102", ("88 Harbor View Drive", "Apt 3B", "Portland", "ME", "04101")),
    3: ("James", "", "Carter", "(312) 555-0103", ("1520 W Cermak Road", "", "Chicago", "IL", "60608")),
    4: ("Aisha", "", "Johnson", "(828) 555-0104", ("27 Cedar Lane", "", "Asheville", "NC", "28801")),
    5: ("Robert", "", "Nguyen", "(214) 555-0105", ("930 Elm Street", "Suite 210", "Dallas", "TX", "75202")),
    6: ("Linda", "", "Okafor", "(323) 555-0106", ("4411 Sunset Boulevard", "", "Los Angeles", "CA", "90027")),
    7: ("Kevin", "", "O'Brien", "(802) 555-0107", ("16 Orchard Road", "", "Burlington", "VT", "05401")),
    8: (
        "Patricia",
        "",
        "Kowalski",
        "(404) 555-0108",
        ("705 Peachtree St NE", "Unit 12", "Atlanta", "GA", "30308"),
    ),
    9: ("Harold", "", "Whitfield", "(608) 555-0109", ("3 Willow Court", "", "Madison", "WI", "53703")),
    10: ("Sofia", "", "Rossi", "(303) 555-0110", ("2250 Market Street", "", "Denver", "CO", "80205")),
    11: ("Olivia", "", "Bennett", "(912) 555-0111", ("61 Magnolia Drive", "", "Savannah", "GA", "31401")),
    12: (
        "Emily",
        "Jane",
        "Park",
        "(206) 555-0112",
        ("1200 Pine Street", "Apt 804", "Seattle", "WA", "98101"),
    ),
    13: ("Marcus", "", "Bell", "(402) 555-0113", ("540 Prairie Avenue", "", "Omaha", "NE", "68102")),
    14: ("Grace", "", "Thompson", "(617) 555-0114", ("77 Beacon Street", "", "Boston", "MA", "02108")),
    15: ("Tyrone", "", "Washington", "(313) 555-0115", None),
    # A street but no city or ZIP: not a usable mailing address.
    16: ("Mei", "", "Tanaka", "(808) 555-0116", ("Building 4, North Campus", "", "", "", "")),
    17: ("Carlos", "", "Mendoza", "(504) 555-0117", ("318 Canal Street", "", "New Orleans", "LA", "70130")),
    18: ("Dorothy", "", "Fischer", "(520) 555-0118", ("902 Desert Bloom Way", "", "Tucson", "AZ", "85701")),
    19: ("Nathan", "", "Brooks", "(218) 555-0119", ("145 Lakeshore Drive", "", "Duluth", "MN", "55802")),
    20: (
        "Hannah",
        "",
        "Schultz",
        "(904) 555-0120",
        ("60 Riverside Avenue", "", "Jacksonville", "FL", "32202"),
    ),
    21: (
        "Rosa",
        "",
        "Delgado",
        "(505) 555-0121",
        ("1800 Central Avenue SE", "", "Albuquerque", "NM", "87106"),
    ),
    # Selected by the latest audit campaign (amtportal/demo/audit_plan.py), one per audit state.
    22: ("Priya", "", "Raman", "(919) 555-0122", ("310 Oberlin Road", "", "Raleigh", "NC", "27605")),
    23: ("Samuel", "", "Ortiz", "(210) 555-0123", ("1415 Broadway Street", "", "San Antonio", "TX", "78215")),
    24: (
        "Brenda",
        "",
        "Walsh",
        "(412) 555-0124",
        ("88 Liberty Avenue", "Apt 5", "Pittsburgh", "PA", "15222"),
    ),
    25: ("Tomás", "", "Herrera", "(602) 555-0125", ("2020 N Central Avenue", "", "Phoenix", "AZ", "85004")),
    26: (
        "Jasmine",
        "",
        "Patel",
        "(732) 555-0126",
        ("45 Hamilton Street", "", "New Brunswick", "NJ", "08901"),
    ),
    27: ("Derek", "", "Olsen", "(701) 555-0127", ("19 Broadway North", "", "Fargo", "ND", "58102")),
    28: ("Fatima", "", "Haddad", "(313) 555-0128", ("6100 Schaefer Road", "", "Dearborn", "MI", "48126")),
    29: ("William", "", "Foster", "(502) 555-0129", ("721 Baxter Avenue", "", "Louisville", "KY", "40204")),
    # Recertifying (amtportal/demo/recert_plan.py), one per application state; D00010 was reinstated.
    30: ("Luis", "", "Romero", "(505) 555-0130", ("212 Gold Avenue SW", "", "Albuquerque", "NM", "87102")),
    31: ("Karen", "", "Lindqvist", "(651) 555-0131", ("455 Summit Avenue", "", "Saint Paul", "MN", "55102")),
    32: ("Ngozi", "", "Eze", "(713) 555-0132", ("2900 Main Street", "Apt 7C", "Houston", "TX", "77002")),
    33: ("Gregory", "", "Ashworth", "(801) 555-0133", ("175 E 400 S", "", "Salt Lake City", "UT", "84111")),
    34: ("Denise", "", "Caldwell", "(614) 555-0134", ("1010 Oak Street", "", "Columbus", "OH", "43205")),
    35: ("Anh", "", "Pham", "(408) 555-0135", ("88 N First Street", "", "San Jose", "CA", "95113")),
    36: ("Joyce", "", "Marlowe", "(207) 555-0136", ("14 Pleasant Street", "", "Bangor", "ME", "04401")),
}


def demo_members(today: datetime.date, grace_days: int) -> list[MemberPlan]:
    """The demo members and the life of each certification, relative to `today`."""
    certifications = badges_demo.with_badges(_certifications(Timeline(today, grace_days)))
    return [
        MemberPlan(
            number=number,
            first_name=first,
            middle_name=middle,
            last_name=last,
            phone=phone,
            address=address,
            certifications=certifications[number],
        )
        for number, (first, middle, last, phone, address) in PEOPLE.items()
    ]


def _certifications(t: Timeline) -> dict[int, list[CertPlan]]:
    """member number: the plan of each certification."""
    today = t.today
    audits = AuditRecipes(t)
    recert = RecertRecipes(t)

    def ago(months: int, day: int = 14) -> datetime.date:
        return shift_months(today, -months, on_day=day)

    def lapsed_days_ago(code: str, days: int, note: str) -> CertPlan:
        return t.lapsed(code, unpaid_since=today - datetime.timedelta(days=days), years=5, note=note)

    return {
        1: [capped(t, t.active_paid("RMA", ago(12 * 9 + 5)))],
        2: [
            compliant_by_points(
                t, t.active_paid("MT", ago(12 * 4 + 1, day=3), "fees paid; first CCP cycle rolled")
            )
        ],
        3: [t.lapsed("RMA", unpaid_since=ago(12), years=5, note="annual fee unpaid for about a year")],
        4: [t.active_fee_not_yet_due("RDA", years=4)],
        5: [t.ccp_failed("CMAS", failed_cycle=1, days_ago=150)],
        6: [audits.unanswered("MLT")],
        7: [t.lapsed("RPT", unpaid_since=ago(42), years=6, note="annual fees unpaid for about 3.5 years")],
        8: [t.lapsed("CMLA", unpaid_since=ago(134), years=4, note="not Active for about 11 years")],
        9: [t.active_paid("MT", datetime.date(1998, 9, 14), "certified 1998: CCP-exempt, fees paid")],
        11: [t.leap_day("RDA")],
        12: [
            t.active_paid("RMA", ago(12 * 8 + 4, day=9)),
            lapsed_days_ago("RPT", 130, "annual fee unpaid for about four months"),
            t.ccp_failed("AHI", failed_cycle=0, days_ago=300),
        ],
        13: [
            t.active_paid("AHI", today - datetime.timedelta(days=100), "newly certified (fee year covered)")
        ],
        14: [t.active_paid("CLC", ago(12 * 12 + 7, day=21))],
        15: [  # downloaded the verifiable credential before the fee lapsed: it no longer verifies
            credentials_demo.with_download(
                lapsed_days_ago(
                    "RPT", 75, "annual fee unpaid for about two months; credential downloaded before"
                ),
                on=today - datetime.timedelta(days=90),
            )
        ],
        16: [t.active_paid("MDT", ago(30, day=2))],
        17: [
            attested(t, t.active_paid("MT", ago(12 * 7 + 2, day=11))),
            t.lapsed("MLT", unpaid_since=ago(50), years=3, note="annual fees unpaid for over 4 years"),
        ],
        18: [t.pre_2006_lapsed("CMAS", 2003)],
        19: [short_of_points(t, t.active_cycle_ending_soon("RMA", days_left=60))],
        20: [on_track(t, t.active_paid("CMLA", ago(20, day=25), "first annual fee paid"))],
        21: [t.employment_straddling("RMA")],
        **audits.by_member_number(),
        **recert.by_member_number(),
    }
