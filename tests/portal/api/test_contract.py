"""The API against its own published document: schemathesis generates requests for every operation of
/api/v1/openapi.json (valid and invalid data), sends them in-process through WSGI as tenant A's bureau
administrator, and checks every answer against the document.

Deterministic (derandomized Hypothesis, no example database) and bounded, so a failure is reproducible.
"""
from __future__ import annotations

import re
import time
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import World
from tests.portal.api.conftest import report_line
from tests.routewalk import TENANT_OBJECT_ARGS

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection]
EXAMPLES_PER_MODE = 6


def run_operation(operation, mode, *, path: dict, token: str, cases: list, failures: list) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path,
                                     headers={"Authorization": f"Bearer {token}"})

    @settings(max_examples=EXAMPLES_PER_MODE, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=strategy)
    def check(case):
        response = case.call()
        cases.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:  # nothing to negate (e.g. only the fixed tenant in the path): no invalid request exists
        pass
    except (AssertionError, BaseExceptionGroup, Exception) as exc:  # Hypothesis stops at the first failure
        failures.append(f"{mode.value} {operation.label} {path}: {exc}")


def order(operation) -> tuple[bool, str]:
    # Revoking tokens last: a generated id may be the very token the run authenticates with.
    return operation.method.upper() == "DELETE" and "/tokens/" in operation.path, operation.label


def test_the_api_answers_as_its_document_says(app, world: World):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=order)
    cases, failures = [], []
    started = time.monotonic()
    for operation in operations:
        tenant = {"tenant_slug": world.a.slug}
        # The world's own objects too, so answers about existing rows are checked, not only 404s.
        # (Never its token: revoking the token the run authenticates with would end the run.)
        ids = {name: TENANT_OBJECT_ARGS[name](world.a) for name in re.findall(r"{(\w+)}", operation.path)
               if name in TENANT_OBJECT_ARGS and name != "token_id"}
        passes = [(GenerationMode.POSITIVE, tenant), (GenerationMode.NEGATIVE, tenant)]
        if ids:
            passes.append((GenerationMode.POSITIVE, {**tenant, **ids}))
        for mode, path in passes:
            run_operation(operation, mode, path=path, token=world.a.token_secret, cases=cases, failures=failures)
    seconds = time.monotonic() - started
    statuses = " ".join(f"{code}:{count}" for code, count in sorted(Counter(cases).items()))
    report_line(f"api_contract operations={len(operations)} cases={len(cases)} failures={len(failures)}",
                f"api_contract seconds={seconds:.1f} statuses {statuses}")
    assert len(operations) >= 50
    assert not failures, "\n\n".join(failures)
