"""The role × action matrix of owner scoring, moderation and assessments, written out as the specification (which
units, comments and projects — the object half — is tested in the other files of this folder)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.permissions import Action, can
from tenants.roles import Role

A = Action
R = Role
Y, N = True, False

# Columns: score own firm, moderate comments, assess (list C), inspect (list A), view evaluation.
COLUMNS = (A.SCORE_OWN_FIRM, A.MODERATE_COMMENTS, A.ASSESS_COMMUNITY, A.INSPECT_PROJECTS, A.VIEW_EVALUATION)
SPEC = {
    R.BUREAU_ADMIN:     (N, Y, Y, Y, Y),
    R.BUREAU_STAFF:     (N, Y, Y, Y, Y),
    R.AREA_OFFICER:     (N, N, Y, N, Y),
    R.FIRM_STAFF:       (N, N, N, N, Y),
    R.COMMITTEE_MEMBER: (N, N, N, N, Y),
    R.PROJECT_MANAGER:  (N, N, N, N, Y),
    R.PROJECT_STAFF:    (N, N, N, N, Y),
    R.OWNER:            (Y, N, N, N, Y),
}
MATRIX = [(role, action, allowed) for role, row in SPEC.items() for action, allowed in zip(COLUMNS, row)]


def test_the_specification_covers_every_role():
    assert set(SPEC) == set(Role)


@pytest.mark.parametrize("role, action, allowed", MATRIX, ids=[f"{r.value}-{a.value}" for r, a, _ in MATRIX])
def test_matrix(role, action, allowed):
    assert can([SimpleNamespace(role=role, is_active=True)], action) is allowed


# Every page of the part, by role, on the world's own objects: the status each role gets (the firm and the
# committee nothing; an owner only their own unit's form; the officer her area's list C; the bureau the rest).
PAGES = {
    "my_scores": "/t/alpha/evaluation/my-scores",
    "score": "/t/alpha/evaluation/periods/{p}/units/{u}/score",
    "comments": "/t/alpha/evaluation/periods/{p}/comments",
    "comment": "/t/alpha/evaluation/periods/{p}/comments/{s}",
    "assessments": "/t/alpha/evaluation/periods/{p}/assessments",
    "assess": "/t/alpha/evaluation/periods/{p}/communities/{c}/assess",
    "inspect": "/t/alpha/evaluation/periods/{p}/communities/{c}/inspect",
    "assessment": "/t/alpha/evaluation/assessments/{a}",
    "photo": "/t/alpha/evaluation/assessments/{a}/photos/{e}",
}
STATUS = {  # my_scores, score, comments, comment, assessments, assess, inspect, assessment (an inspection), photo
    R.BUREAU_ADMIN:     (403, 403, 200, 200, 200, 200, 200, 200, 200),
    R.BUREAU_STAFF:     (403, 403, 200, 200, 200, 200, 200, 200, 200),
    R.AREA_OFFICER:     (403, 403, 403, 403, 200, 200, 403, 403, 403),
    R.FIRM_STAFF:       (403, 403, 403, 403, 403, 403, 403, 403, 403),
    R.COMMITTEE_MEMBER: (403, 403, 403, 403, 403, 403, 403, 403, 403),
    R.OWNER:            (200, 200, 403, 403, 403, 403, 403, 403, 403),
}


@pytest.mark.parametrize("role", list(STATUS), ids=lambda r: r.value)
def test_every_page_answers_each_role_as_specified(world, client_as, role):
    w = world.a
    client = client_as(role, "a")
    got = tuple(client.get(url.format(p=w.eval_period_id, u=w.unit_id, s=w.eval_score_id, c=w.community_id,
                                      a=w.eval_assessment_id, e=w.eval_evidence_id)).status_code
                for url in PAGES.values())
    assert dict(zip(PAGES, got)) == dict(zip(PAGES, STATUS[role]))
