"""SQLite under concurrency: six people registering with one claim code at the same moment, through the WSGI app."""
from __future__ import annotations

import threading

from tests.factories import csrf_from
from tests.portal.pages import field_error, in_english
from tests.separate_app import separate_app

RACERS = 6
PASSWORD = "a long and unusual owner password"


def test_six_simultaneous_registrations_with_one_code_give_one_success_and_five_clear_refusals(app):
    with separate_app(app) as (racing_app, world):
        clients, forms = [], []
        for i in range(RACERS):
            client = in_english(racing_app.test_client())
            token = csrf_from(client.get("/t/alpha/register").text)
            clients.append(client)
            forms.append({"csrf_token": token, "code": world.a.claim_code, "mobile": f"1385555{i:04d}",
                          "display_name": f"业主{i}", "password": PASSWORD, "confirm_password": PASSWORD,
                          "privacy_consent": "y"})
        barrier = threading.Barrier(RACERS)
        responses = [None] * RACERS

        def register(i: int):
            barrier.wait(timeout=20)
            responses[i] = clients[i].post("/t/alpha/register", data=forms[i],
                                           environ_base={"REMOTE_ADDR": f"192.0.2.{i + 1}"})

        threads = [threading.Thread(target=register, args=(i,)) for i in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        statuses = sorted(r.status_code for r in responses)
        print(f"register_race racers={RACERS} statuses={statuses}")
        assert statuses.count(500) == 0
        assert statuses == [303] + [409] * (RACERS - 1)
        for response in responses:
            if response.status_code == 409:
                assert field_error(response.text, "code").startswith("This claim code has already been used.")


def test_a_lock_timeout_or_a_unique_race_is_a_clear_409_page_and_json(app):
    """Wherever it happens: SQLite's "database is locked" after the busy timeout, or a unique key taken meanwhile."""
    import sqlite3

    from sqlalchemy import exc as sa_exc

    with separate_app(app, with_world=False) as (plain_app, _world):
        raised = {
            "locked": sa_exc.OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked")),
            "unique": sa_exc.IntegrityError("INSERT x", {}, sqlite3.IntegrityError("UNIQUE constraint failed: x.y")),
            "other": sa_exc.OperationalError("SELECT x", {}, sqlite3.OperationalError("no such table: x")),
        }

        def boom(kind):
            raise raised[kind]

        plain_app.add_url_rule("/conflict/<kind>", "conflict_page", boom)
        plain_app.add_url_rule("/api/v1/conflict/<kind>", "conflict_json", boom)
        client = in_english(plain_app.test_client())
        for kind in ("locked", "unique"):
            page = client.get(f"/conflict/{kind}")
            assert page.status_code == 409
            assert "Someone else changed the same data at the same moment." in page.text
            body = client.get(f"/api/v1/conflict/{kind}")
            assert body.status_code == 409 and body.json["error"]["code"] == "conflict"
        assert client.get("/conflict/other").status_code == 500  # a real fault stays a (logged) 500
