"""Comprehensive evaluation (综合评价): owners score their firm, the community office and the bureau assess, a
composite index is computed in SQL and ranked fairly, and the bottom of each pool climbs the elimination ladder
(末位淘汰) — the portal recommends; only owners can dismiss a firm. See docs/evaluation.md."""
