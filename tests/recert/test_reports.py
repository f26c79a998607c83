"""recert.reports: the median time to decision is the same from PostgreSQL's percentile_cont and from the
middle rows read on other databases (an even count: the mean of the two middle values)."""

import datetime

from django.db import connection

from recert import reports
from recert.models import Application
from tests.amtportal.report_body import TODAY, make_body


def test_the_median_is_the_same_on_every_database(seeded, time_machine):
    from tests.pages import at

    at(time_machine, TODAY)
    make_body()  # by CCP: decided after 31 and 20 days
    start, end = datetime.date(2020, 1, 1), datetime.date(2026, 12, 31)
    rows = {row["route"]: row for row in reports.applications_by_route(start=start, end=end)}
    submitted = Application.objects.filter(submitted_on__gte=start, submitted_on__lte=end)
    fallback = reports._median(submitted, route="ccp", count=rows["ccp"]["decided"])
    assert (
        reports._days(fallback) == rows["ccp"]["median_days"] == reports._days(datetime.timedelta(days=25.5))
    )
    assert connection.vendor == "postgresql"
