"""Public pages of the results (no sign-in, no personal data): the ranking 红黑榜 of a period, the firms'
ranking, the explanation of one project and of one firm, and the spreadsheet of the whole ranking.

Staff pages (appeals, rectification, the firm tenant's teams and managers): portal.evaluation.result_staff_views.
"""
from __future__ import annotations

from flask import abort, make_response, render_template
from flask_babel import gettext as _

from portal.evaluation import result_services as rs
from portal.evaluation.models import EvaluationPeriod
from portal.evaluation.result_forms import RankingFilterForm
from portal.evaluation.views import bp
from portal.guards import get_scoped_or_404
from portal.listing import ListPage, matching, paginate
from portal.public_pages import public_response


def public_period_or_404(result_period_id: int) -> tuple[EvaluationPeriod, object]:
    """A period of this tenant whose results are public, with the run its pages show (else 404)."""
    period = get_scoped_or_404(EvaluationPeriod, result_period_id)
    run = rs.current_run(period) if rs.is_public(period) else None
    if run is None:
        abort(404)
    return period, run


def _page(template: str, **context):
    return public_response(make_response(render_template(template, **context)))


@bp.get("/evaluation/results/")
def results_index():
    """The periods with public results, newest first."""
    periods = rs.public_periods()
    return _page("evaluation/results/periods.html", periods=periods)


@bp.get("/evaluation/results/<int:result_period_id>/")
def ranking(result_period_id: int):
    """The 红黑榜 of a period: every project, ranked within its pool, filterable and paged."""
    period, run = public_period_or_404(result_period_id)
    form = RankingFilterForm()
    pools = rs.pools_of(run.id)
    form.pool.choices = [("", _("All pools"))] + [(p, pool_label(p)) for p in pools]
    form.area_id.choices = [("", _("All streets"))] + [(str(i), n) for i, n in rs.area_choices()]
    if form.checked():
        stmt = rs.ranking(run.id, pool=form.pool.data or None,
                          area_id=int(form.area_id.data) if form.area_id.data else None,
                          grade=form.grade.data or None, level=form.level.data or None)
        condition = _search(form.q.data)
        if condition is not None:
            stmt = stmt.where(condition)
        page = paginate(stmt)
    else:
        page = ListPage.empty()
    names = rs.names_for(page.items, period_id=period.id)
    response = make_response(render_template("evaluation/results/ranking.html", period=period, run=run, page=page,
                                             form=form, names=names, pool_label=pool_label, rs=rs), form.status)
    return public_response(response)


def _search(text):
    import sqlalchemy as sa

    from portal.communities.models import Community
    from portal.evaluation.result_models import ProjectResult
    from portal.firms.models import Firm

    community = matching(text, Community.name)
    firm = matching(text, Firm.name)
    if community is None:
        return None
    return sa.or_(ProjectResult.community_id.in_(sa.select(Community.id).where(community)),
                  ProjectResult.firm_id.in_(sa.select(Firm.id).where(firm)))


def pool_label(pool: str) -> str:
    """A pool key as people read it: 一级 / 二级 / 三级 (and the street when pools are per street)."""
    from portal.communities.models import ServiceGrade

    grade_part = pool.split("/")[0]
    grade = next((g for g in ServiceGrade if g.value == grade_part), None)
    if grade is not None:
        label = _("%(grade)s contracts", grade=grade.label)
    elif grade_part == "all":
        label = _("All projects")
    else:
        label = _("Other projects")
    if "/area:" in pool:
        from portal.communities.models import Area
        from portal.guards import scoped_or_none

        area_id = pool.split("/area:")[1]
        area = scoped_or_none(Area, int(area_id)) if area_id.isdigit() else None
        if area is not None:
            label = f"{label} · {area.name}"
    return label


@bp.get("/evaluation/results/<int:result_period_id>/firms/")
def firm_ranking(result_period_id: int):
    period, run = public_period_or_404(result_period_id)
    page = paginate(rs.firm_ranking(run.id))
    names = rs.names_for(page.items)
    return _page("evaluation/results/firms.html", period=period, run=run, page=page, names=names, rs=rs)


@bp.get("/evaluation/results/<int:result_period_id>/projects/<int:community_id>")
def project_explanation(result_period_id: int, community_id: int):
    """Why a project got its result: each component with its sample and interval, the weights applied, every
    bonus, penalty and veto, the rule that caught it, its place on the ladder, and any appeal."""
    period, run = public_period_or_404(result_period_id)
    explanation = rs.explain(period, run, community_id)
    if explanation is None:
        abort(404)
    names = rs.names_for([explanation.result], period_id=period.id)
    return _page("evaluation/results/project.html", period=period, run=run, x=explanation, names=names,
                 pool_label=pool_label, rs=rs)


@bp.get("/evaluation/results/<int:result_period_id>/firms/<int:firm_id>")
def firm_explanation(result_period_id: int, firm_id: int):
    """A firm's result: unit-weighted over its projects, each project's result and card."""
    period, run = public_period_or_404(result_period_id)
    result = rs.firm_result(run.id, firm_id)
    if result is None:
        abort(404)
    projects = rs.firm_projects(run.id, firm_id)
    names = rs.names_for(projects + [result], period_id=period.id)
    return _page("evaluation/results/firm.html", period=period, run=run, result=result, projects=projects,
                 names=names, pool_label=pool_label, rs=rs)


EXPORT_HEADERS = ("Ranking pool", "Rank", "Community", "Street", "Firm", "Owner satisfaction", "Scores received",
                  "Scores needed", "Sample sufficient", "Community assessment", "Bureau inspection",
                  "Ticket handling", "Bonus", "Penalty", "Veto", "Composite", "Grade", "Card on the ladder")


def export_headers() -> list[str]:
    return [_(h) for h in EXPORT_HEADERS]


@bp.get("/evaluation/results/<int:result_period_id>/ranking.xlsx")
def ranking_export(result_period_id: int):
    """The whole ranking of the period as a spreadsheet (open data: no personal data)."""
    period, run = public_period_or_404(result_period_id)
    data = rs.export_xlsx(run.id, period, export_headers(), {"yes": _("Yes"), "no": _("No")})
    response = make_response(data)
    response.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f'attachment; filename="evaluation-{period.id}-run-{run.seq}.xlsx"'
    return public_response(response)


@bp.get("/evaluation/results/latest")
def latest_ranking():
    """The newest published ranking itself (a stable address to link and print), or the list when there is none."""
    periods = rs.public_periods()
    if not periods:
        return results_index()
    return ranking(result_period_id=periods[0].id)


from portal.evaluation import result_staff_views  # noqa: E402,F401  (registers the signed-in pages)


@bp.context_processor
def _result_wording():
    from portal.evaluation import result_wording

    return result_wording.context()
