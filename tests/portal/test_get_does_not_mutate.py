"""Reading a page never writes: every GET route leaves every table exactly as it was, and none fails."""
from __future__ import annotations

from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.factories import World
from tests.routewalk import LINK_TOKEN, changed_tables, db_state, is_tenant_scoped, rules, unmapped_arguments, url_variants


def senders(app, world: World) -> dict:
    from portal.extensions import db
    from tests.factories import open_reset_link

    with app.app_context():
        open_reset_link(world, LINK_TOKEN)  # the reset link page needs a live link to show its form
        db.session.remove()
    made = {"anonymous": app.test_client()}
    for name, identifier in (("bureau admin", world.a.logins[Role.BUREAU_ADMIN]),
                             ("platform admin", world.platform_admin_login),
                             ("owner", world.a.logins[Role.OWNER]),
                             ("firm staff", world.a.logins[Role.FIRM_STAFF])):
        client = app.test_client()
        assert login(client, identifier).status_code == 302
        made[name] = client
    return made


# Tenant pages only owners are served (an owner's units and community page): read by tenant A's owner.
OWNER_PAGES = frozenset({"owners.my_units", "owners.community", "owners_api.my_units", "tickets.new",
                         "objections.file", "evaluation.my_scores", "evaluation.score_unit", "evaluation_api.my_scores"})


# Tenant pages only the project's firm (or its owners' committee) is served: read by tenant A's firm staff.
FIRM_PAGES = frozenset({"evaluation.appeal_new"})


def who_reads(rule) -> list[str]:
    if rule.endpoint in OWNER_PAGES:
        return ["owner"]
    if rule.endpoint in FIRM_PAGES:
        return ["firm staff"]
    if is_tenant_scoped(rule):
        return ["bureau admin"]
    if rule.rule.startswith("/platform/"):
        return ["platform admin"]
    return ["anonymous", "bureau admin"]  # public and account pages: both sides of the login


def test_no_get_route_changes_the_database(app, world: World, record_property, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_ENABLED", True)  # /metrics answers the test client (127.0.0.1)
    made = senders(app, world)
    get_rules = [r for r in rules(app) if "GET" in r.methods]
    problems, requests, mutations, errors = [], 0, 0, 0
    for rule in get_rules:
        if unmapped_arguments(rule):
            problems.append(f"{rule.rule}: unmapped arguments {sorted(unmapped_arguments(rule))} (tests/routewalk.py)")
            continue
        for url in url_variants(rule, slug=world.a.slug, ids=world.a, world=world):
            for name in who_reads(rule):
                before = db_state(app)
                response = made[name].get(url)
                changed = changed_tables(before, db_state(app))
                requests += 1
                if changed:
                    mutations += 1
                    problems.append(f"GET {url} as {name} changed {changed}")
                if response.status_code >= 500:
                    errors += 1
                    problems.append(f"GET {url} as {name}: {response.status_code}")
                elif response.status_code >= 400:
                    # A refusal would make the check vacuous: the reader must be one the page serves.
                    problems.append(f"GET {url} as {name}: {response.status_code} (the view did not run)")

    summary = f"get_walk routes={len(get_rules)} requests={requests} get_mutations={mutations} http_500={errors}"
    print("\n" + summary)
    record_property("get_walk", summary)
    assert not problems, summary + "\n" + "\n".join(problems)


def test_the_detector_sees_a_write(app, world: World, client_as):
    """Control: the same fingerprint does notice a change made by a POST."""
    admin = client_as(Role.BUREAU_ADMIN, "a")
    before = db_state(app)
    response = admin.post(f"/t/alpha/members/{world.a.memberships[Role.OWNER]}/active/off",
                          data={"reason": "moved", "csrf_token": csrf_token_for(admin)})
    assert response.status_code == 303
    # An UPDATE keeps every row count, so only the content hash can see it.
    assert "memberships" in changed_tables(before, db_state(app))
