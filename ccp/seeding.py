"""Default CCP configuration (DOMAIN.md "Categories"), seeded by a data migration and by test fixtures."""

import datetime

from members.seeding import role_grant

# fmt: off
CATEGORIES = [
    # code, name, unit, plural, points per unit, cap, accepted through, is period, quarter hours
    ("professional-education", "Professional education (courses, seminars, webinars)", "contact hour",
     "contact hours", "1", None, None, False, False),
    ("formal-education", "Formal education (college courses)", "semester credit hour",
     "semester credit hours", "15", None, None, False, True),
    ("employment", "Employment verification (employment in the field)", "full year", "full years", "4", "12",
     datetime.date(2020, 12, 31), True, False),
    ("authorship", "Authorship of written work", "item", "items", "5", "15", None, False, False),
    ("instructional-presentation", "Instructional presentation", "hour presented", "hours presented", "2",
     "15", None, False, False),
    ("organizational-participation", "Organizational participation", "year in a role", "years in a role", "2",
     "10", None, True, False),
]
# fmt: on


def seed_categories(apps):
    Category = apps.get_model("ccp", "ActivityCategory")
    for order, (code, name, unit, plural, points, cap, through, period, quarter) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "unit_plural": plural,
                "points_per_unit": points,
                "cap_per_cycle": cap,
                "accepted_through": through,
                "is_period": period,
                "allows_quarter_hours": quarter,
                "sort_order": order,
            },
        )
    apps.get_model("ccp", "CcpPolicy").objects.get_or_create(pk=1)


def grant_administrators(apps):
    """Administrators hold every permission, including this app's."""
    role_grant(apps, role="Administrator", app_labels=["ccp"])


def seed_all(apps):
    seed_categories(apps)
    grant_administrators(apps)
