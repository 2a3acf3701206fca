"""The signed-in path a bureau administrator takes first: login, tenant, dashboard."""
from tenants.roles import Role


def test_bureau_admin_reaches_dashboard(client_as, world):
    client = client_as(Role.BUREAU_ADMIN, "a")
    page = client.get("/t/alpha/dashboard")
    assert page.status_code == 200
    assert world.a.sentinel in page.text  # the tenant's own name is shown
    assert world.b.sentinel not in page.text
