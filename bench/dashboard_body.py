"""The body the dashboard benchmarks read (bench/dashboard_load.py, bench/dashboard_profile.py): members
made by generate.py with open CCP cycles and courses, their statuses derived by the daily job, this month's
renewal invoices issued; and real sessions of many distinct members, made by Django's session engine with
exactly the keys a login writes.

Everything here is idempotent: a second run finds the body made and only tops up what is missing.
"""

import datetime
import time

import _setup  # noqa: F401
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from billing.services import invoices_issue_due
from ccp.models import Cycle
from members.models import Certification, Member
from members.services import certifications_refresh_statuses

LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"  # what allauth's login form records


def body_make(*, members: int, cycles_ending: datetime.date, today: datetime.date) -> str:
    """At least `members` members, with statuses and invoices as of `today`; says what it did."""
    import generate

    done = []
    began = time.perf_counter()
    missing = members - Member.objects.count()
    if missing > 0:
        generate.generate(int(missing * 1.25), seed=1)
        done.append(f"{missing} members generated")
    if not Cycle.objects.filter(state=Cycle.State.OPEN).exists():
        done.append(f"{generate.generate_cycles(cycles_ending, seed=1, activities_max=6)} open cycles")
    if Certification.objects.filter(status="").exists():
        # Badges are not what this bench reads: the status-change tasks (Credly) stay off.
        settings.MEMBERS_STATUS_CHANGED_TASKS = []
        changed = certifications_refresh_statuses(today=today, source="bench")
        done.append(f"{changed} statuses derived")
    issued = invoices_issue_due(today=today)
    done.append(f"{issued} invoices issued")
    return f"body ready in {time.perf_counter() - began:.1f}s: " + ", ".join(done)


def sample_members(count: int) -> list[Member]:
    """`count` distinct members holding a certification, spread evenly over the body."""
    ids = list(
        Member.objects.filter(certifications__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    step = max(1, len(ids) // count)
    chosen = ids[::step][:count]
    return list(Member.objects.filter(pk__in=chosen).select_related("user").order_by("pk"))


def sessions_open(members: list[Member]) -> list[str]:
    """A session for each member's user, as `django.contrib.auth.login` writes it (user id, backend, the
    password hash's HMAC), stored by the production session engine; returns the session keys."""
    keys = []
    for member in members:
        user = member.user
        store = SessionStore()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = LOGIN_BACKEND
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


def sessions_close(keys: list[str]) -> int:
    deleted, _ = Session.objects.filter(session_key__in=keys).delete()
    return deleted
