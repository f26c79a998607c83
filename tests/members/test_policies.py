"""The policies (one row per app, core.policy.SingletonPolicy): written by the data migrations, only read
by `current()`, so a page showing a setting never writes; a missing row is reported as the deployment error
it is."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from billing.models import BillingPolicy
from ccp.models import CcpPolicy
from members.models import CertificationPolicy

pytestmark = pytest.mark.django_db

POLICIES = [CertificationPolicy, CcpPolicy, BillingPolicy]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda model: model.__name__)
def test_current_reads_the_row_the_data_migration_wrote(policy, django_assert_num_queries):
    with django_assert_num_queries(1):
        current = policy.current()

    assert current.pk == 1
    assert policy.objects.count() == 1


@pytest.mark.parametrize("policy", POLICIES, ids=lambda model: model.__name__)
def test_a_missing_policy_row_is_a_deployment_error_not_a_silent_default(policy):
    policy.objects.all().delete()

    with pytest.raises(ImproperlyConfigured, match=r"policy row \(pk 1\) is missing.*manage.py migrate"):
        policy.current()
    assert not policy.objects.exists()
