"""A burst of simultaneous wrong passwords through the WSGI app: no more checks than the limit allows."""
from __future__ import annotations

import threading

from limits import parse

from tenants.roles import Role
from tests.factories import csrf_from
from tests.separate_app import separate_app

BURST = 30


def test_a_parallel_burst_of_wrong_passwords_gets_no_more_checks_than_the_limit(app):
    with separate_app(app) as (burst_app, world):
        target = world.a.logins[Role.OWNER]
        clients, tokens = [], []
        for _ in range(BURST):
            client = burst_app.test_client()
            tokens.append(csrf_from(client.get("/login", environ_base={"REMOTE_ADDR": "203.0.113.150"}).text))
            clients.append(client)
        start = threading.Barrier(BURST)
        statuses = [0] * BURST

        def attempt(i: int):
            start.wait(timeout=20)
            statuses[i] = clients[i].post("/login", data={"identifier": target, "password": "not the password",
                                                          "csrf_token": tokens[i]},
                                          environ_base={"REMOTE_ADDR": "203.0.113.150"}).status_code

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(BURST)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        limit = parse(burst_app.config["LOGIN_LIMIT_PER_PAIR"]).amount
        checked = statuses.count(400)
        print(f"login_burst parallel={BURST} checked={checked} refused={statuses.count(429)} limit={limit}")
        assert sorted(set(statuses)) == [400, 429]
        assert checked == limit
