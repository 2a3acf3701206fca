"""The pickers' search, as JSON for the page's script (portal/static/js/picker.js): the same options, in
the same words, as the form lists without JavaScript; one route per kind, each behind its own permission."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from portal.guards import tenant_permission
from portal.listing import search_problem
from portal.pickers.services import SOURCES, PickerSource, describe, find
from portal.validation import query_int

bp = Blueprint("pickers", __name__, url_prefix="/t/<tenant_slug>/pick")

# Narrowing a search may take from the query string: a firm's project managers, top-level areas only
# (streets or branches).
NARROWING_IDS = ("firm_id",)
NARROWING_KINDS = ("top",)


def search_route(source: PickerSource):
    def search():
        text = request.args.get("q", "")
        problem = search_problem(text)
        if problem:
            return jsonify({"error": str(problem), "options": [], "total": 0}), 400
        narrowing = {name: query_int(name) for name in NARROWING_IDS if query_int(name)}
        if request.args.get("kind") in NARROWING_KINDS:
            narrowing["kind"] = request.args["kind"]
        found = find(source, g.memberships, text.strip(), narrowing)
        return jsonify({"options": [{"value": value, "label": label} for value, label in found.options],
                        "total": found.total, "summary": describe(found, text.strip(), source.noun)})

    search.__name__ = source.name
    search.__doc__ = f"Search the {source.name} this member may pick (JSON)."
    return tenant_permission(source.action)(search)


for _source in SOURCES.values():
    bp.add_url_rule(f"/{_source.name}", view_func=search_route(_source), methods=["GET"])
