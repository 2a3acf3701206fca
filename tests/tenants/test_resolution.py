"""The tenant comes from the URL prefix, for one request only; an unknown prefix is a plain 404."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.firms.models import Firm
from tenants import TenantContextMissing, current_tenant_id
from tenants.roles import Role
from tests.factories import World


@pytest.mark.parametrize("path", ["/t/no-such-tenant/", "/t/no-such-tenant/dashboard", "/t/ALPHA/dashboard",
                                  "/api/v1/t/no-such-tenant/me"])
def test_an_unknown_tenant_slug_is_a_404(client, world: World, path):
    response = client.get(path)
    assert response.status_code == 404
    assert world.a.sentinel not in response.get_data(as_text=True)


def test_a_request_leaves_no_tenant_behind(app, world: World, client_as):
    """The tenant of a request ends with it: the thread's next work (another request, a job) starts with none."""
    admin = client_as(Role.BUREAU_ADMIN, "a")
    for path in ("/t/alpha/dashboard", "/t/alpha/no-such-page"):  # a 404 inside the tenant ends the same way
        admin.get(path)
        assert current_tenant_id() is None
        with app.app_context(), pytest.raises(TenantContextMissing):
            db.session.scalars(sa.select(Firm)).all()


def test_each_request_acts_for_its_own_tenant(world: World, client_as):
    """Requests of two tenants alternating on one thread: each page shows its own tenant only."""
    admin_a, admin_b = client_as(Role.BUREAU_ADMIN, "a"), client_as(Role.BUREAU_ADMIN, "b")
    for client, own, foreign, slug in [(admin_a, world.a, world.b, "alpha"), (admin_b, world.b, world.a, "beta")] * 2:
        page = client.get(f"/t/{slug}/firms/").get_data(as_text=True)
        assert own.sentinel in page and foreign.sentinel not in page
