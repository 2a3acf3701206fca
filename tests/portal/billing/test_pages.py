"""Billing pages over HTTP: sign-up (against the local Stripe server), the billing page's actions, the
public price list, the platform's overview and price list editor, and what billing-off looks like."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from tenants import tenant_scope
from tenants.billing.models import BillingAccount, BillingInvoice, Plan
from tenants.models import Tenant, TenantStatus
from tenants.roles import Role
from tests.conftest import csrf_token_for, login, table_snapshot
from tests.factories import PASSWORD, World, csrf_from
from tests.portal.billing.helpers import account_state, subscribe_tenant
from tests.portal.pages import field_error, in_english

NEW_PASSWORD = "a brand new and rather long passphrase"


def signup_form(client, **changes) -> dict:
    data = {"csrf_token": csrf_from(client.get("/signup").text), "plan": "county", "name_zh": "茌平区住建局",
            "name_en": "Chiping bureau", "slug": "chiping", "region": "山东省聊城市", "admin_login": "13800000021",
            "admin_name": "刘局长", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
            "billing_email": "billing@chiping.example", "payment_method": "pm_card_visa", "privacy_consent": "y"}
    return {**data, **changes}


def tenant_and_account(app, slug: str):
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            return None, None
        with tenant_scope(tenant):
            account = db.session.scalar(sa.select(BillingAccount))
            invoices = db.session.scalar(sa.select(sa.func.count(BillingInvoice.id)))
        result = (tenant.status, tenant.kind.value), (account.subscription_status, account.trial_ends_at, invoices,
                                                       account.card_last4, account.plan.code)
        db.session.remove()
    return result


def test_sign_up_with_a_trial_then_with_none(app, world: World, billing_on):
    client = app.test_client()
    response = client.post("/signup", data=signup_form(client))
    assert response.status_code == 303 and response.headers["Location"] == "/t/chiping/billing/"
    tenant, account = tenant_and_account(app, "chiping")
    assert tenant == (TenantStatus.ACTIVE, "bureau")
    assert account[0] is None and account[1] is not None and account[3] == "4242"  # trial: no charge yet
    page = client.get("/t/chiping/dashboard")  # signed in as the new administrator
    assert page.status_code == 200 and "刘局长" in page.text

    app.config["BILLING_TRIAL_DAYS"] = 0
    other = app.test_client()
    response = other.post("/signup", data=signup_form(other, slug="linqing", plan="firm_small", admin_login="13800000022"))
    assert response.status_code == 303
    tenant, account = tenant_and_account(app, "linqing")
    assert tenant == (TenantStatus.ACTIVE, "firm") and account[0] == "active" and account[2] == 1  # charged, invoiced


def test_a_declined_card_or_a_taken_account_creates_nothing(app, world: World, billing_on):
    client = in_english(app.test_client())
    before = table_snapshot(app)
    declined = client.post("/signup", data=signup_form(client, payment_method="pm_card_visa_chargeDeclined"))
    assert declined.status_code == 400 and "card was declined" in field_error(declined.text, "payment_method")
    # An existing account becomes the administrator only with its own password.
    taken = client.post("/signup", data=signup_form(client, admin_login=world.a.logins[Role.OWNER]))
    assert taken.status_code == 400 and "already has an account" in field_error(taken.text, "password")
    slug = client.post("/signup", data=signup_form(client, slug="alpha"))
    assert slug.status_code == 400 and field_error(slug.text, "slug")
    assert table_snapshot(app) == before
    ok = client.post("/signup", data=signup_form(client, admin_login=world.a.logins[Role.OWNER], password=PASSWORD,
                                                 confirm_password=PASSWORD))
    assert ok.status_code == 303


def test_the_billing_page_pays_changes_plan_cancels_and_resumes(app, world: World, billing_on, client_as):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    token = csrf_token_for(admin)
    page = admin.get("/t/alpha/billing/")
    assert page.status_code == 200 and "Pay and subscribe" in page.text and f"INV-{world.a.sentinel}" in page.text
    assert admin.post("/t/alpha/billing/pay", data={"csrf_token": token, "plan": "metro",
                                                    "payment_method": "pm_card_visa"}).status_code == 303
    state = account_state(app, world.a.tenant_id)
    assert state["subscription_status"] == "active" and state["amount_fen"] == 1500000
    page = admin.get("/t/alpha/billing/").text
    assert "Next payment" in page and "15,000.00" in page

    assert admin.post("/t/alpha/billing/plan", data={"csrf_token": token, "plan": "county"}).status_code == 303
    assert account_state(app, world.a.tenant_id)["amount_fen"] == 150000
    same = admin.post("/t/alpha/billing/plan", data={"csrf_token": token, "plan": "county"})
    assert same.status_code == 400 and "already on this plan" in same.text
    firm_plan = admin.post("/t/alpha/billing/plan", data={"csrf_token": token, "plan": "firm_small"})
    assert firm_plan.status_code == 400 and "plans offered for this kind" in firm_plan.text

    assert admin.post("/t/alpha/billing/cancel", data={"csrf_token": token}).status_code == 303
    assert account_state(app, world.a.tenant_id)["cancel_at_period_end"] is True
    assert "Keep the subscription" in admin.get("/t/alpha/billing/").text
    assert admin.post("/t/alpha/billing/cancel", data={"csrf_token": token}).status_code == 409
    assert admin.post("/t/alpha/billing/resume", data={"csrf_token": token}).status_code == 303
    assert account_state(app, world.a.tenant_id)["cancel_at_period_end"] is False
    api = admin.get("/api/v1/t/alpha/billing").json
    assert api["standing"] == "active" and api["plan"]["code"] == "county" and api["billing_enabled"] is True
    invoices = admin.get("/api/v1/t/alpha/billing/invoices").json
    assert len(invoices) >= 2 and {i["status"] for i in invoices} == {"paid"}


def test_a_declined_card_on_the_billing_page_changes_nothing(app, world: World, billing_on, client_as):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    before = account_state(app, world.a.tenant_id)
    response = admin.post("/t/alpha/billing/pay", data={"csrf_token": csrf_token_for(admin), "plan": "county",
                                                        "payment_method": "pm_card_chargeCustomerFail"})
    assert response.status_code == 400 and "card was declined" in response.text
    assert account_state(app, world.a.tenant_id) == before


def test_only_the_administrator_reaches_billing(app, world: World, client_as):
    for key in ("a", "c"):  # a bureau, and a firm's own tenant (its firm administrator pays)
        for role in world[key].logins:
            expected = 200 if role == Role.BUREAU_ADMIN else 403
            assert client_as(role, key).get(f"/t/{world[key].slug}/billing/").status_code == expected, (key, role)


def test_billing_off_free_plan_no_signup_and_the_price_list(app, world: World, client_as):
    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    page = admin.get("/t/alpha/billing/").text
    assert "Online billing is off" in page and "Pay and subscribe" not in page
    assert admin.get("/api/v1/t/alpha/billing").json["standing"] == "free"
    token = csrf_token_for(admin)
    assert admin.post("/t/alpha/billing/pay", data={"csrf_token": token, "plan": "county",
                                                    "payment_method": "pm_card_visa"}).status_code == 404
    anonymous = in_english(app.test_client())
    closed = anonymous.get("/signup")
    assert closed.status_code == 200 and "does not bill online" in closed.text
    login_token = csrf_from(anonymous.get("/login").text)
    assert anonymous.post("/signup", data={"csrf_token": login_token}).status_code == 404
    prices = anonymous.get("/pricing").text
    assert "County" in prices and "1,500.00" in prices and "Firm starter" in prices


def test_the_platform_overview_shows_plans_revenue_and_events(app, world: World, billing_on):
    subscribe_tenant(app, world.a.tenant_id, plan_code="city")
    platform = in_english(app.test_client())
    assert login(platform, world.platform_admin_login).status_code == 302
    page = platform.get("/platform/billing/").text
    assert "Monthly recurring revenue" in page and "6,000.00" in page
    assert "No webhook events yet" in page
    token = csrf_token_for(platform, "/platform/billing/plans/new")
    saved = platform.post(f"/platform/billing/plans/{world.plan_id}/edit", data={
        "csrf_token": token, "code": "county", "kind": "bureau", "name_zh": "县级版", "name_en": "County",
        "max_communities": "400", "monthly_yuan": "1,800.50", "is_active": "y"})
    assert saved.status_code == 303
    with app.app_context():
        plan = db.session.get(Plan, world.plan_id)
        assert (plan.monthly_fen, plan.max_communities, plan.stripe_plan_id) == (180050, 400, None)
        db.session.remove()
    bad = platform.post("/platform/billing/plans/new", data={"csrf_token": token, "code": "x", "kind": "firm",
                                                              "name_zh": "x", "monthly_yuan": "12.345"})
    assert bad.status_code == 400 and field_error(bad.text, "monthly_yuan")
    assert in_english(app.test_client()).get("/platform/billing/").status_code == 302  # sign in first
