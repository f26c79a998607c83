"""The Django admin's door (issue 12): only administrators enter; other staff roles have their own pages."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group

from tests.factories import UserFactory, make_staff

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/admin/", "/admin/members/member/", "/admin/ccp/activity/", "/admin/login/"]
OTHER_ROLES = ["Billing staff", "Audit reviewer", "Recertification processor"]


@pytest.mark.parametrize("path", ADMIN_PAGES[:3])
def test_an_administrator_enters_the_admin(client, path):
    client.force_login(make_staff("Administrator"))

    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ADMIN_PAGES[:3])
def test_an_administrator_by_role_without_superuser_enters_the_admin(client, path):
    # Given a staff user in the Administrator group who is not a superuser
    user = make_staff("Administrator")
    user.is_superuser = False
    user.save()
    client.force_login(user)

    # Then the group alone opens the admin
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_other_staff_roles_get_403_on_every_admin_page(client, role, path):
    client.force_login(make_staff(role))

    response = client.get(path)

    assert response.status_code == 403
    assert b"Site administration" not in response.content


def test_staff_without_any_role_get_403_on_the_admin(client):
    user = UserFactory(is_staff=True)
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    client.force_login(user)

    assert client.get("/admin/").status_code == 403


def test_an_administrator_group_member_who_is_not_staff_gets_403(client):
    user = UserFactory(is_staff=False)
    user.groups.add(Group.objects.get(name="Administrator"))
    client.force_login(user)

    assert client.get("/admin/").status_code == 403


def test_a_visitor_is_sent_to_the_portal_sign_in(client):
    response = client.get("/admin/members/member/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
