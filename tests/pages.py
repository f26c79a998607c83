"""Helpers of the tests that read pages through Django's test client: what a person reads, the moment they
read it, who may open the pages, how documents are served, and how many queries a page takes."""

import datetime
import html
import re

from django.urls import reverse


def page_text(response) -> str:
    """What a person reads on the page: the HTML without tags, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def at(time_machine, day: datetime.date, hour: int = 15) -> None:
    """`day` at `hour` UTC (the morning in Chicago, the portal's time zone)."""
    moment = datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC)
    time_machine.move_to(moment, tick=False)


def assert_forbidden(client, users, pages: list[tuple[str, str]], data: dict) -> None:
    """Each of `users`, signed in, gets 403 on every (method, address) of `pages` (sent `data`)."""
    for user in users:
        client.force_login(user)
        for method, address in pages:
            assert getattr(client, method)(address, data).status_code == 403, (user, address)


def assert_sign_in_asked(client, pages: list[tuple[str, str]]) -> None:
    """Every (method, address) of `pages` sends the visitor to the sign-in page."""
    for method, address in pages:
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response.url.startswith(reverse("account_login")), address


def assert_two_factor_setup_asked(client, pages: list[tuple[str, str]]) -> None:
    """Every (method, address) of `pages` sends the signed-in staff member to set up two-factor first."""
    for method, address in pages:
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response.url == reverse("mfa_activate_totp"), address


def assert_shown_inline(response, content_type: str, disposition: str) -> None:
    """A document served for the portal's own pages to show (in a frame or an image): its type and name,
    no type sniffing, framed by the portal only, and allowed nothing else."""
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = [directive.strip() for directive in response["Content-Security-Policy"].split(";")]
    assert "frame-ancestors 'self'" in policy and "default-src 'none'" in policy


def get_in_queries(client, address: str, queries: int, django_assert_num_queries):
    """The page at `address`, read once to warm the session and permission caches, then read again in
    exactly `queries` queries."""
    client.get(address)
    with django_assert_num_queries(queries):
        return client.get(address)
