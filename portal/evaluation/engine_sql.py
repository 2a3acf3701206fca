"""The SQL of the evaluation engine (portal/evaluation/engine.py): one ``INSERT … SELECT`` computes every
project's result of a run, a second one every firm's, and aggregate queries checksum the inputs.

The statements are plain SQL that SQLite (≥ 3.25: window functions) and PostgreSQL run alike, with integer
arithmetic only. Integer division truncates on both; every division below has a non-negative dividend and a
positive divisor, so it is a floor, and ``rdiv(a, b) = (2a + b) / (2b)`` rounds half up. Sums that PostgreSQL
would widen to NUMERIC (SUM of BIGINT) are cast back to BIGINT before they are divided. Booleans are written
TRUE/FALSE (SQLite ≥ 3.23 reads them as 1/0). docs/evaluation-compute.md gives the method in words.
"""
from __future__ import annotations

from portal.evaluation.rules import SchemeRules

# sqrt is found by a 20-step binary search (bits 19..0): exact for every radicand below 2^40 (ours stay
# below 2 · 10^15 / 10^4 = 2 · 10^11, see the CI below).
SQRT_BITS = 20
Z2_TEN_THOUSANDTHS = 38416  # 1.96² = 3.8416: the 95 % normal interval
CHECKSUM_PRIME = 2147483647  # 2^31 − 1: x² stays below 2^62


def rdiv(a: str, b: str) -> str:
    """a / b rounded half up (a ≥ 0, b > 0), in SQL."""
    return f"((2 * ({a}) + ({b})) / (2 * ({b})))"


def clamp(expr: str, low: str, high: str) -> str:
    return f"(CASE WHEN ({expr}) < {low} THEN {low} WHEN ({expr}) > {high} THEN {high} ELSE ({expr}) END)"


def _band_index(expr: str, rules: SchemeRules) -> str:
    """The index (0 = best) of the grade band a composite falls into: the first whose minimum it reaches."""
    whens = " ".join(f"WHEN ({expr}) >= {int(band.min_cp)} THEN {i}" for i, band in enumerate(rules.grade_bands))
    return f"(CASE {whens} ELSE {len(rules.grade_bands) - 1} END)"


def _grade_of(index: str, rules: SchemeRules) -> str:
    whens = " ".join(f"WHEN {i} THEN :grade_{i}" for i in range(len(rules.grade_bands)))
    return f"(CASE {index} {whens} END)"


def _renormalised(present: dict[str, str], weights: dict[str, str]) -> dict[str, str]:
    """Weights over the present components, in ten-thousandths summing to 10000 (when any is present).

    w'_c = floor(w_c · 10000 / W) for each present c (W = sum of the present weights); the remainder
    10000 − Σ w'_c (at most 3) goes to the first present component in the order given."""
    total = " + ".join(f"(CASE WHEN {present[c]} THEN {weights[c]} ELSE 0 END)" for c in present)
    floors = {c: f"(CASE WHEN {present[c]} AND ({total}) > 0 THEN {weights[c]} * 10000 / ({total}) ELSE 0 END)"
              for c in present}
    remainder = f"(CASE WHEN ({total}) > 0 THEN 10000 - ({' + '.join(floors.values())}) ELSE 0 END)"
    out = {}
    earlier: list[str] = []
    for c in present:
        first = " AND ".join([present[c]] + [f"NOT ({present[e]})" for e in earlier])
        out[c] = f"({floors[c]} + (CASE WHEN {first} THEN {remainder} ELSE 0 END))"
        earlier.append(c)
    return out


def _pool_expression(rules: SchemeRules) -> str:
    if rules.pool_rule == "all":
        return "'all'"
    grade = "CAST(p.grade AS VARCHAR(16))"
    if rules.pool_rule == "grade_area":
        street = "CAST(COALESCE(ar.parent_id, ar.id, 0) AS VARCHAR(16))"
        return f"({grade} || '/area:' || {street})"
    return grade


def ticket_values(count: int) -> str:
    """The ticket component as a VALUES list of bound pairs (:tc_i, :ts_i), or an empty typed relation."""
    if not count:
        return "SELECT CAST(NULL AS INTEGER) AS community_id, CAST(NULL AS INTEGER) AS score_cp WHERE 1 = 0"
    rows = ", ".join(f"(:tc_{i}, :ts_{i})" for i in range(count))
    return f"SELECT column1 AS community_id, column2 AS score_cp FROM (VALUES {rows}) AS v"


def project_results_sql(rules: SchemeRules, *, tickets: int, veto_conditions: int) -> str:
    """The INSERT … SELECT of every project's result of a run (parameters: see engine._parameters)."""
    veto_in = (f"condition IN ({', '.join(f':veto_{i}' for i in range(veto_conditions))})"
               if veto_conditions else "1 = 0")
    # isqrt(x) by binary search: r grows by 2^b when (r + 2^b)² ≤ x, for b from high to low.
    steps = []
    previous = "sq_start"
    for b in range(SQRT_BITS - 1, -1, -1):
        step = 1 << b
        name = f"sq_{b}"
        steps.append(f"{name} AS MATERIALIZED (SELECT community_id, x, CASE WHEN (r + {step}) * (r + {step}) <= x "
                     f"THEN r + {step} ELSE r END AS r FROM {previous})")
        previous = name
    sqrt_chain = ",\n".join(steps)
    weights = {"owner": ":w_owner", "community": ":w_community", "authority": ":w_authority", "ticket": ":w_ticket"}
    present = {"owner": "(n > 0)", "community": "(community_cp IS NOT NULL)",
               "authority": "(authority_cp IS NOT NULL)", "ticket": "(ticket_cp IS NOT NULL)"}
    full = _renormalised(present, weights)
    without_owner = _renormalised({c: present[c] for c in ("community", "authority", "ticket")}, weights)
    weighted = rdiv(" + ".join(f"wt_{c} * COALESCE({c}_cp, 0)" for c in ("owner", "community", "authority", "ticket")),
                    "10000")
    weighted_wo = rdiv(" + ".join(f"wo_{c} * COALESCE({c}_cp, 0)" for c in ("community", "authority", "ticket")),
                       "10000")
    return f"""
WITH
contract_pick AS (
  SELECT c.community_id, c.firm_id, c.manager_id, c.grade, c.start_date,
         ROW_NUMBER() OVER (PARTITION BY c.community_id ORDER BY c.start_date DESC, c.id DESC) AS pick
  FROM contracts c
  WHERE c.tenant_id = :tenant_id AND c.start_date <= :end_date AND (c.end_date IS NULL OR c.end_date >= :end_date)
),
project AS (
  SELECT p.community_id, p.firm_id, p.manager_id, p.start_date, {_pool_expression(rules)} AS pool
  FROM contract_pick p
  JOIN communities cm ON cm.tenant_id = :tenant_id AND cm.id = p.community_id
  LEFT JOIN areas ar ON ar.tenant_id = :tenant_id AND ar.id = cm.area_id
  WHERE p.pick = 1
),
unit_count AS (
  SELECT community_id, COUNT(*) AS units FROM units WHERE tenant_id = :tenant_id GROUP BY community_id
),
owner_sums AS (
  SELECT community_id, firm_id, COUNT(*) AS n, SUM(score_cp) AS s1, SUM(score_cp * score_cp) AS s2
  FROM evaluation_owner_scores
  WHERE tenant_id = :tenant_id AND period_id = :period_id
  GROUP BY community_id, firm_id
),
assessed AS (
  SELECT community_id, firm_id,
         SUM(CASE WHEN kind = 'community' THEN 1 ELSE 0 END) AS cn,
         SUM(CASE WHEN kind = 'community' THEN total_cp ELSE 0 END) AS cs,
         SUM(CASE WHEN kind = 'authority' THEN 1 ELSE 0 END) AS an,
         SUM(CASE WHEN kind = 'authority' THEN total_cp ELSE 0 END) AS as_
  FROM evaluation_assessments
  WHERE tenant_id = :tenant_id AND period_id = :period_id
  GROUP BY community_id, firm_id
),
adjusted AS (
  SELECT community_id, firm_id,
         SUM(CASE WHEN kind = 'bonus' THEN points_cp ELSE 0 END) AS bonus_sum,
         SUM(CASE WHEN kind = 'penalty' THEN points_cp ELSE 0 END) AS penalty_sum,
         SUM(CASE WHEN kind = 'veto' AND {veto_in} THEN 1 ELSE 0 END) AS vetoes
  FROM evaluation_adjustments
  WHERE tenant_id = :tenant_id AND revoked_at IS NULL AND occurred_on <= :end_date AND valid_until >= :end_date
  GROUP BY community_id, firm_id
),
appealed AS (
  SELECT DISTINCT community_id FROM evaluation_appeals
  WHERE tenant_id = :tenant_id AND period_id = :period_id AND status = 'filed'
),
ticket AS ({ticket_values(tickets)}),
base AS (
  SELECT p.community_id, p.firm_id, p.manager_id, p.pool,
         COALESCE(u.units, 0) AS units,
         CAST(COALESCE(o.n, 0) AS BIGINT) AS n,
         CAST(COALESCE(o.s1, 0) AS BIGINT) AS s1,
         CAST(COALESCE(o.s2, 0) AS BIGINT) AS s2,
         CASE WHEN a.cn > 0 THEN {rdiv('a.cs', 'a.cn')} END AS community_cp,
         CASE WHEN a.an > 0 THEN {rdiv('a.as_', 'a.an')} END AS authority_cp,
         t.score_cp AS ticket_cp,
         {clamp('COALESCE(j.bonus_sum, 0)', '0', ':bonus_cap')} AS bonus_cp,
         {clamp('COALESCE(j.penalty_sum, 0)', '0', ':penalty_cap')} AS penalty_cp,
         CASE WHEN COALESCE(j.vetoes, 0) > 0 THEN 1 ELSE 0 END AS veto,
         CASE WHEN ap.community_id IS NULL THEN 0 ELSE 1 END AS appealed,
         CASE WHEN p.start_date <= :served_since THEN 1 ELSE 0 END AS served
  FROM project p
  LEFT JOIN unit_count u ON u.community_id = p.community_id
  LEFT JOIN owner_sums o ON o.community_id = p.community_id AND o.firm_id = p.firm_id
  LEFT JOIN assessed a ON a.community_id = p.community_id AND a.firm_id = p.firm_id
  LEFT JOIN adjusted j ON j.community_id = p.community_id AND j.firm_id = p.firm_id
  LEFT JOIN appealed ap ON ap.community_id = p.community_id
  LEFT JOIN ticket t ON t.community_id = p.community_id
),
pooled AS (
  SELECT b.*,
         CAST(SUM(n) OVER (PARTITION BY pool) AS BIGINT) AS pn,
         CAST(SUM(s1) OVER (PARTITION BY pool) AS BIGINT) AS ps1,
         CAST(SUM(s2) OVER (PARTITION BY pool) AS BIGINT) AS ps2
  FROM base b
),
prior AS (
  SELECT q.*,
         CASE WHEN pn > 0 THEN {rdiv('ps1', 'pn')} END AS mu,
         CASE WHEN n >= {{needed_expr}} THEN 1 ELSE 0 END AS sample_ok_i,
         {{needed_expr}} AS sample_needed
  FROM pooled q
),
shrunk AS (
  SELECT r.*,
         CASE WHEN n > 0 THEN {rdiv('s1', 'n')} END AS owner_raw_cp,
         CASE WHEN n > 0 THEN {rdiv('s1 + :k * mu', 'n + :k')} END AS owner_cp,
         CASE WHEN n >= 2 THEN {rdiv('n * s2 - s1 * s1', 'n * (n - 1)')}
              WHEN n = 1 THEN {clamp(f"{rdiv('ps2', 'pn')} - mu * mu", '0', '100000000')}
         END AS variance
  FROM prior r
),
sq_start AS MATERIALIZED (
  SELECT community_id, CASE WHEN n > 0 THEN {Z2_TEN_THOUSANDTHS} * n * variance / 10000 ELSE 0 END AS x,
         CAST(0 AS BIGINT) AS r
  FROM shrunk
),
{sqrt_chain},
ci AS (
  SELECT s.*, CASE WHEN s.n > 0 THEN {rdiv('z.r', 's.n + :k')} END AS half_width
  FROM shrunk s JOIN sq_0 z ON z.community_id = s.community_id
),
weighted AS (
  SELECT i.*,
         {full['owner']} AS wt_owner, {full['community']} AS wt_community,
         {full['authority']} AS wt_authority, {full['ticket']} AS wt_ticket,
         {without_owner['community']} AS wo_community, {without_owner['authority']} AS wo_authority,
         {without_owner['ticket']} AS wo_ticket
  FROM ci i
),
composed AS (
  SELECT w.*,
         {weighted} AS weighted_cp,
         {clamp(f"{weighted} + bonus_cp - penalty_cp", '0', ':score_max')} AS composite_cp,
         {clamp(f"{weighted_wo} + bonus_cp - penalty_cp", '0', ':score_max')} AS composite_wo_cp,
         CASE WHEN wt_owner + wt_community + wt_authority + wt_ticket > 0 THEN 1 ELSE 0 END AS has_data,
         CASE WHEN wo_community + wo_authority + wo_ticket > 0 THEN 1 ELSE 0 END AS has_other
  FROM weighted w
),
graded AS (
  SELECT c.*,
         {_band_index('composite_cp', rules)} AS band,
         {_band_index('composite_wo_cp', rules)} AS band_wo,
         CASE WHEN served = 1 AND has_data = 1 THEN 1 ELSE 0 END AS ranked_i
  FROM composed c
),
ranked AS (
  SELECT g.*,
         CASE WHEN ranked_i = 1 THEN ROW_NUMBER() OVER (
           PARTITION BY pool, ranked_i
           ORDER BY veto ASC, composite_cp DESC, weighted_cp DESC, penalty_cp ASC,
                    COALESCE(owner_cp, -1) DESC, community_id ASC) END AS rank_no,
         CAST(SUM(ranked_i) OVER (PARTITION BY pool) AS BIGINT) AS pool_size
  FROM graded g
),
cut AS (
  SELECT k.*,
         CASE WHEN ranked_i = 1 AND rank_no > pool_size - {{bottom_count}} THEN 1 ELSE 0 END AS rank_caught,
         CASE WHEN ranked_i = 1 AND band >= :elimination_band THEN 1 ELSE 0 END AS grade_caught
  FROM ranked k
),
cutoff AS (
  SELECT t.*,
         MAX(CASE WHEN rank_caught = 1 AND veto = 0 THEN composite_cp END) OVER (PARTITION BY pool) AS cutoff_cp
  FROM cut t
)
INSERT INTO evaluation_project_results (
  tenant_id, run_id, period_id, community_id, firm_id, manager_id, pool, units, sample_n, sample_needed, sample_ok,
  owner_raw_cp, owner_cp, owner_ci_low_cp, owner_ci_high_cp, community_cp, authority_cp, ticket_cp,
  w_owner, w_community, w_authority, w_ticket, weighted_cp, bonus_cp, penalty_cp, veto, composite_cp, grade,
  ranked, not_ranked_reason, rank, pool_size, bottom, under_appeal)
SELECT :tenant_id, :run_id, :period_id, community_id, firm_id, manager_id, pool, units, n, sample_needed,
       (sample_ok_i = 1),
       owner_raw_cp, owner_cp,
       CASE WHEN n > 0 THEN {clamp('owner_cp - half_width', '0', '10000')} END,
       CASE WHEN n > 0 THEN {clamp('owner_cp + half_width', '0', '10000')} END,
       community_cp, authority_cp, ticket_cp,
       wt_owner, wt_community, wt_authority, wt_ticket, weighted_cp, bonus_cp, penalty_cp, (veto = 1), composite_cp,
       CASE WHEN veto = 1 THEN :veto_grade ELSE {_grade_of('band', rules)} END,
       (ranked_i = 1),
       CASE WHEN served = 0 THEN 'new_contract' WHEN has_data = 0 THEN 'no_data' ELSE '' END,
       rank_no, pool_size,
       (veto = 1 OR (sample_ok_i = 1 AND (rank_caught = 1 OR grade_caught = 1))
        OR (sample_ok_i = 0 AND has_other = 1 AND (
              (rank_caught = 1 AND composite_wo_cp <= cutoff_cp)
              OR (grade_caught = 1 AND band_wo >= :elimination_band)))),
       (appealed = 1)
FROM cutoff
"""


FIRM_RESULTS_SQL = """
WITH
per_firm AS (
  SELECT firm_id, COUNT(*) AS projects, CAST(SUM(units) AS BIGINT) AS units,
         CAST(SUM(CASE WHEN units > 0 THEN units ELSE 1 END * composite_cp) AS BIGINT) AS weighted_sum,
         CAST(SUM(CASE WHEN units > 0 THEN units ELSE 1 END) AS BIGINT) AS weight,
         SUM(CASE WHEN veto THEN 1 ELSE 0 END) AS vetoed,
         SUM(CASE WHEN ranked THEN 1 ELSE 0 END) AS ranked_projects
  FROM evaluation_project_results
  WHERE tenant_id = :tenant_id AND run_id = :run_id
  GROUP BY firm_id
),
composed AS (
  SELECT f.*, ((2 * weighted_sum + weight) / (2 * weight)) AS composite_cp,
         CASE WHEN ranked_projects > 0 THEN 1 ELSE 0 END AS ranked_i
  FROM per_firm f
),
ranked AS (
  SELECT c.*,
         CASE WHEN ranked_i = 1 THEN ROW_NUMBER() OVER (
           PARTITION BY ranked_i ORDER BY vetoed ASC, composite_cp DESC, units DESC, firm_id ASC) END AS rank_no,
         CAST(SUM(ranked_i) OVER () AS BIGINT) AS pool_size
  FROM composed c
)
INSERT INTO evaluation_firm_results (tenant_id, run_id, period_id, firm_id, projects, units, composite_cp, grade,
                                     vetoed_projects, rank, pool_size)
SELECT :tenant_id, :run_id, :period_id, firm_id, projects, units, composite_cp,
       CASE WHEN vetoed > 0 THEN :veto_grade ELSE {grade} END,
       vetoed, rank_no, pool_size
FROM ranked
"""


def firm_results_sql(rules: SchemeRules) -> str:
    return FIRM_RESULTS_SQL.replace("{grade}", _grade_of(_band_index("composite_cp", rules), rules))


def needed_expression() -> str:
    """max(min units, ceil(units · per-mille / 1000))."""
    share = "((units * :sample_permille + 999) / 1000)"
    return f"(CASE WHEN {share} > :sample_units THEN {share} ELSE :sample_units END)"


def bottom_count_expression(rules: SchemeRules) -> str:
    """How many of a pool's ranked projects the rank rule catches: floor(size · X / 100), or N, or none."""
    if rules.elimination_mode == "bottom_percent":
        return "(pool_size * :elimination_value / 100)"
    if rules.elimination_mode == "bottom_n":
        return "(CASE WHEN :elimination_value < pool_size THEN :elimination_value ELSE pool_size END)"
    return "0"


def project_statement(rules: SchemeRules, *, tickets: int, veto_conditions: int) -> str:
    sql = project_results_sql(rules, tickets=tickets, veto_conditions=veto_conditions)
    return (sql.replace("{needed_expr}", needed_expression())
               .replace("{bottom_count}", bottom_count_expression(rules)))


# ---------------------------------------------------------------- input checksums (no row leaves the database)

SCORE_CHECKSUM_SQL = f"""
SELECT community_id, firm_id, COUNT(*), SUM(score_cp), SUM(score_cp * score_cp),
       SUM(((CAST(unit_id AS BIGINT) * 10007 + score_cp) % {CHECKSUM_PRIME})
           * ((CAST(unit_id AS BIGINT) * 10007 + score_cp) % {CHECKSUM_PRIME}) % {CHECKSUM_PRIME})
FROM evaluation_owner_scores
WHERE tenant_id = :tenant_id AND period_id = :period_id
GROUP BY community_id, firm_id
ORDER BY community_id, firm_id
"""

ASSESSMENT_CHECKSUM_SQL = f"""
SELECT community_id, firm_id, kind, COUNT(*), SUM(total_cp),
       SUM((CAST(total_cp AS BIGINT) * 10007 + checklist_version_id) % {CHECKSUM_PRIME}
           * ((CAST(total_cp AS BIGINT) * 10007 + checklist_version_id) % {CHECKSUM_PRIME}) % {CHECKSUM_PRIME})
FROM evaluation_assessments
WHERE tenant_id = :tenant_id AND period_id = :period_id
GROUP BY community_id, firm_id, kind
ORDER BY community_id, firm_id, kind
"""

ADJUSTMENT_ROWS_SQL = """
SELECT community_id, firm_id, kind, points_cp, condition, COUNT(*)
FROM evaluation_adjustments
WHERE tenant_id = :tenant_id AND revoked_at IS NULL AND occurred_on <= :end_date AND valid_until >= :end_date
GROUP BY community_id, firm_id, kind, points_cp, condition
ORDER BY community_id, firm_id, kind, points_cp, condition
"""

CONTRACT_ROWS_SQL = """
SELECT c.community_id, c.firm_id, c.manager_id, c.grade, c.start_date, c.end_date, cm.area_id, ar.parent_id
FROM contracts c
JOIN communities cm ON cm.tenant_id = :tenant_id AND cm.id = c.community_id
LEFT JOIN areas ar ON ar.tenant_id = :tenant_id AND ar.id = cm.area_id
WHERE c.tenant_id = :tenant_id AND c.start_date <= :end_date AND (c.end_date IS NULL OR c.end_date >= :end_date)
ORDER BY c.community_id, c.start_date, c.firm_id
"""

# The units and the appeals under way are read back from the results (their counts and flags are inputs too).
RESULT_ROWS_SQL = """
SELECT community_id, firm_id, manager_id, pool, units, sample_n, sample_needed, sample_ok, owner_raw_cp, owner_cp,
       owner_ci_low_cp, owner_ci_high_cp, community_cp, authority_cp, ticket_cp, w_owner, w_community,
       w_authority, w_ticket, weighted_cp, bonus_cp, penalty_cp, veto, composite_cp, grade, ranked,
       not_ranked_reason, rank, pool_size, bottom, under_appeal
FROM evaluation_project_results
WHERE tenant_id = :tenant_id AND run_id = :run_id
ORDER BY community_id
"""

FIRM_ROWS_SQL = """
SELECT firm_id, projects, units, composite_cp, grade, vetoed_projects, rank, pool_size
FROM evaluation_firm_results
WHERE tenant_id = :tenant_id AND run_id = :run_id
ORDER BY firm_id
"""
