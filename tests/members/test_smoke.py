import datetime

import pytest

from members.models import StatusChange
from tests.factories import make_certification


@pytest.mark.django_db
def test_a_new_certification_is_active_with_one_history_row():
    certification = make_certification(
        certified_on=datetime.date(2025, 5, 14), today=datetime.date(2025, 6, 1)
    )
    assert certification.status == "active"
    assert certification.active_through == datetime.date(2026, 5, 31)
    assert StatusChange.objects.filter(certification=certification).count() == 1
