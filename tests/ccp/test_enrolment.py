"""Where certifications start: one by one or from the exam system's CSV (every row or none), and a
reinstatement; each with its current CCP cycle open from the same transaction."""

import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from ccp import services
from ccp.models import Cycle
from core.csv_import import ImportFailed
from members.models import Certification, Member, Notice, StatusChange, User
from members.rules.contact import BAD_COUNTRY, BAD_PHONE, BAD_STATE, BAD_ZIP
from tests.factories import MemberFactory, credential, make_certification

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)
HEADER = "member_number,first_name,last_name,email,credential,certified_on,city,postal_code\n"
GOOD_FILE = HEADER + (
    "700001,Ann,Lee,ann.lee@example.org,RMA,2026-02-10,Austin,73301\n"
    "700001,Ann,Lee,ANN.LEE@example.org,cmas,2025-11-20,Austin,73301\n"
    "700002,Bo,Ray,bo.ray@example.org,MT,2026-01-05,,\n"
)


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Member, User, EmailAddress, Certification, StatusChange, Notice)
    }


def test_a_good_file_imports_members_with_their_certifications_and_invites_each_new_member_once(
    django_capture_on_commit_callbacks, mailoutbox
):
    # When a file with two members, one holding two credentials, is imported
    with django_capture_on_commit_callbacks(execute=True):
        report = services.members_import_csv(text=GOOD_FILE, today=TODAY)

    # Then both members exist with their certifications, Active, and each got one invitation
    assert report.members_created == ["700001", "700002"]
    assert report.certifications_created == ["700001 RMA", "700001 CMAS", "700002 MT"]
    ann = Member.objects.get(member_number="700001")
    assert (ann.full_name, ann.user.email, ann.city, ann.postal_code) == (
        "Ann Lee",
        "ann.lee@example.org",
        "Austin",
        "73301",
    )
    assert [(c.credential.code, c.certified_on, c.status) for c in ann.certifications.all()] == [
        ("CMAS", datetime.date(2025, 11, 20), "active"),
        ("RMA", datetime.date(2026, 2, 10), "active"),
    ]
    assert StatusChange.objects.filter(source="CSV import").count() == 3
    # and each certification's first cycle is open (the MT of 2026-01-05 runs to 2029-01-04)
    cycles = Cycle.objects.order_by("pk")
    assert [(c.certification.credential.code, c.start_on, c.end_on) for c in cycles] == [
        ("RMA", datetime.date(2026, 2, 10), datetime.date(2029, 2, 9)),
        ("CMAS", datetime.date(2025, 11, 20), datetime.date(2028, 11, 19)),
        ("MT", datetime.date(2026, 1, 5), datetime.date(2029, 1, 4)),
    ]
    assert sorted(email.to[0] for email in mailoutbox) == ["ann.lee@example.org", "bo.ray@example.org"]
    assert Notice.objects.filter(kind="invitation", state="sent").count() == 2


def test_a_row_for_an_existing_member_adds_the_certification_without_a_new_invitation(
    django_capture_on_commit_callbacks, mailoutbox
):
    member = MemberFactory(member_number="700009", user__email="kim@example.org")
    make_certification(member, code="RMA", certified_on=datetime.date(2020, 5, 1), today=TODAY)

    with django_capture_on_commit_callbacks(execute=True):
        report = services.members_import_csv(
            text=HEADER + "700009,Kim,Doe,Kim@Example.org,RPT,2026-01-15,,\n", today=TODAY
        )

    assert report.members_created == []
    assert sorted(member.certifications.values_list("credential__code", flat=True)) == ["RMA", "RPT"]
    assert mailoutbox == []


def test_a_file_with_bad_rows_lists_each_with_its_line_and_imports_nothing(
    django_capture_on_commit_callbacks, mailoutbox
):
    # Given a file with two good rows and a bad row of each kind
    text = HEADER + (
        "700001,Ann,Lee,ann.lee@example.org,RMA,2026-02-10,Austin,73301\n"  # line 2: good
        "700002,Bo,Ray,bo.ray@example.org,XYZ,2026-01-05,,\n"  # line 3: unknown credential
        "700003,Cy,Fox,cy.fox@example.org,RMA,05/01/2025,,\n"  # line 4: bad date
        "700004,,Gray,dee.gray@example.org,RMA,,,\n"  # line 5: missing first name and date
        "700005,Eve,Hall,not-an-address,RMA,2026-01-05,,\n"  # line 6: bad e-mail
        "700001,Ann,Lee,ann.lee@example.org,RMA,2026-02-10,Austin,73301\n"  # line 7: duplicate
        "700006,Flo,Ives,flo.ives@example.org,MT,2025-12-01,,\n"  # line 8: good
        "700007,Gus\n"  # line 9: a short row
        f"700008,Hal,{'K' * 160},hal@example.org,RMA,2026-01-05,,\n"  # line 10: name too long
    )
    before = counts()

    # When it is imported
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ImportFailed) as failure:
        services.members_import_csv(text=text, today=TODAY)

    # Then every bad row is reported by line, and nothing was written or sent
    assert failure.value.errors == [
        (3, "unknown credential 'XYZ'"),
        (4, "certified_on '05/01/2025' is not a date (YYYY-MM-DD)"),
        (5, "missing first_name, certified_on"),
        (6, "'not-an-address' is not a valid e-mail address."),
        (7, "700001 already holds the RMA certification."),
        (9, "missing last_name, email, credential, certified_on"),
        (10, "last_name: Ensure this value has at most 100 characters (it has 160)."),
    ]
    assert str(failure.value) == "7 row(s) with errors; nothing was imported."
    assert counts() == before
    assert mailoutbox == []


def test_an_import_row_with_a_nonsense_address_or_phone_gets_the_profile_s_error_with_its_line():
    # Given a file whose second and third rows carry what the profile page would refuse
    header = (
        "member_number,first_name,last_name,email,credential,certified_on,phone,state,postal_code,country\n"
    )
    good = "700001,Ann,Lee,ann@example.org,RMA,2026-02-10,(217) 555-0123,il,62701,US\n"  # line 2
    text = (
        header
        + good
        + (
            "700002,Bo,Ray,bo@example.org,RMA,2026-02-10,call me maybe,Not a state,ABCDE,\n"  # line 3
            "700003,Cy,Fox,cy@example.org,RMA,2026-02-10,,,,ZZ\n"  # line 4
        )
    )

    with pytest.raises(ImportFailed) as failure:
        services.members_import_csv(text=text, today=TODAY)

    # Then each is reported with its line and its columns, in the profile's words, and nothing is imported
    assert failure.value.errors == [
        (3, f"phone: {BAD_PHONE}; state: {BAD_STATE}; postal_code: {BAD_ZIP}"),
        (4, f"country: {BAD_COUNTRY}"),
    ]
    assert not Member.objects.exists()

    # And the good row alone is imported, normalized as the profile stores it
    services.members_import_csv(text=header + good, today=TODAY)
    ann = Member.objects.get()
    assert (ann.phone, ann.state, ann.postal_code, ann.country) == ("(217) 555-0123", "IL", "62701", "US")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "member_number,first_name,last_name,email\n",
            (1, "the header lacks the column(s) credential, certified_on"),
        ),
        (HEADER, (1, "the file has no rows")),
        (
            HEADER
            + "700001,Ann,Lee,ann@example.org,RMA,2026-02-10,,\n"
            + "700001,Ann,Lee,other@example.org,MT,2026-02-10,,\n",
            (3, "member 700001 exists with another e-mail address (ann@example.org)"),
        ),
        (
            HEADER + "700001,Ann,Lee,ann@example.org,RMA,2026-05-10,,\n",
            (2, "The certification date 2026-05-10 is in the future."),
        ),
    ],
    ids=["header", "empty", "another-email", "future"],
)
def test_a_file_that_cannot_be_imported_says_why(text, error):
    with pytest.raises(ImportFailed) as failure:
        services.members_import_csv(text=text, today=TODAY)

    assert failure.value.errors == [error]
    assert not Member.objects.exists()


def test_the_import_command_reports_what_it_imported(tmp_path, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC), tick=False)
    path = tmp_path / "exam-results.csv"
    path.write_text(GOOD_FILE, encoding="utf-8-sig")  # the exam system writes a byte-order mark

    out = io.StringIO()
    call_command("import_members", str(path), stdout=out)

    assert "Imported 2 new member(s) and 3 certification(s); invitations queued." in out.getvalue()
    assert Certification.objects.filter(status="active").count() == 3
    assert StatusChange.objects.filter(effective_on=TODAY, source="CSV import").count() == 3


def test_the_import_command_lists_bad_lines_and_fails(tmp_path, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC), tick=False)
    path = tmp_path / "exam-results.csv"
    path.write_text(GOOD_FILE + "700003,Cy,Fox,cy.fox@example.org,XYZ,2026-01-05,,\n", encoding="utf-8")

    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 row\(s\) with errors; nothing was imported."):
        call_command("import_members", str(path), stderr=err)

    assert err.getvalue() == "line 5: unknown credential 'XYZ'\n"
    assert not Member.objects.exists()


def test_the_import_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_members", str(tmp_path / "missing.csv"))


# --- One certification at a time ---------------------------------------------------------------------------


def test_a_new_certification_starts_with_the_cycle_containing_today():
    # Given a member certified in the exam system on August 1, 2022, added to the portal on March 2, 2026
    member = MemberFactory()

    certification = services.certification_enrol(
        member=member, credential=credential("RMA"), certified_on=datetime.date(2022, 8, 1), today=TODAY,
        source="test",
    )  # fmt: skip

    # Then (Lapsed for the fee due August 31, 2023) its second cycle, August 1, 2025 to July 31, 2028, is open
    cycle = Cycle.objects.get(certification=certification)
    assert (cycle.number, cycle.start_on, cycle.end_on, cycle.state) == (
        1,
        datetime.date(2025, 8, 1),
        datetime.date(2028, 7, 31),
        Cycle.State.OPEN,
    )
    assert certification.status == "lapsed"


def test_a_certification_exempt_from_ccp_starts_without_a_cycle():
    certification = services.certification_enrol(
        member=MemberFactory(), credential=credential("RMA"), certified_on=datetime.date(2004, 3, 1),
        today=TODAY, source="test",
    )  # fmt: skip

    assert not certification.ccp_required
    assert not Cycle.objects.exists()


def test_a_refused_certification_leaves_neither_certification_nor_cycle():
    member = MemberFactory()

    with pytest.raises(ValidationError, match="is in the future"):
        services.certification_enrol(
            member=member, credential=credential("RMA"), certified_on=datetime.date(2026, 3, 3), today=TODAY,
            source="test",
        )  # fmt: skip

    assert (Certification.objects.count(), Cycle.objects.count()) == (0, 0)


def test_a_reinstatement_opens_the_first_cycle_of_the_new_anchor():
    # Given an RMA whose first cycle (August 1, 2022 to July 31, 2025) closed short of points
    certification = make_certification(
        code="RMA", certified_on=datetime.date(2022, 8, 1), paid_through=datetime.date(2026, 7, 31),
        today=datetime.date(2025, 7, 1),
    )  # fmt: skip
    services.cycles_roll(today=datetime.date(2025, 8, 1))
    certification.refresh_from_db()
    assert certification.status == "noncompliant"

    # When it is reinstated on March 2, 2026
    certification = services.certification_reenrol(
        certification=certification, reinstated_on=TODAY, actor=None, source="test"
    )

    # Then it is Active again with a first cycle from the reinstatement date
    opened = Cycle.objects.get(certification=certification, state=Cycle.State.OPEN)
    assert (certification.status, opened.number, opened.start_on, opened.end_on) == (
        "active",
        0,
        TODAY,
        datetime.date(2029, 3, 1),
    )
