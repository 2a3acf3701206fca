"""Every member has an inbox (their own); nobody outside the tenant has one there."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.permissions import Action, can
from tenants.roles import Role, roles_for
from tenants.models import TenantKind

ROLES_AND_TENANT = [(role, "a") for role in roles_for(TenantKind.BUREAU)] + \
                   [(role, "c") for role in roles_for(TenantKind.FIRM)]


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_role_sees_its_own_notifications(role):
    assert can([SimpleNamespace(role=role, is_active=True)], Action.VIEW_NOTIFICATIONS) is True
    assert can([SimpleNamespace(role=role, is_active=False)], Action.VIEW_NOTIFICATIONS) is False


@pytest.mark.parametrize("role, key", ROLES_AND_TENANT, ids=lambda v: getattr(v, "value", v))
def test_each_member_opens_the_inbox_and_the_api_and_nowhere_else(app, world, client_as, role, key):
    c = client_as(role, key)
    slug = world[key].slug
    assert c.get(f"/t/{slug}/notifications/").status_code == 200
    assert c.get(f"/api/v1/t/{slug}/notifications").status_code == 200
    other = "beta" if key == "a" else "alpha"
    assert c.get(f"/t/{other}/notifications/").status_code == 404


def test_anonymous_is_sent_to_sign_in_and_the_api_says_401(app, world, client):
    assert client.get("/t/alpha/notifications/").status_code == 302
    assert client.get("/api/v1/t/alpha/notifications").status_code == 401
