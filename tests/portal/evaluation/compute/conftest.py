import pytest

from portal.evaluation import engine


@pytest.fixture
def no_tickets(monkeypatch):
    """The ticket component absent (the KPIs give nothing): weights re-normalise over the other three."""
    monkeypatch.setattr(engine, "ticket_scores", lambda tenant, period, now: None)


@pytest.fixture
def tickets(monkeypatch):
    """``tickets({community_id: score_cp})`` feeds the ticket component."""
    def feed(values):
        monkeypatch.setattr(engine, "ticket_scores", lambda tenant, period, now: dict(values))
    return feed
