"""The unified social credit code (GB 32100-2015): valid codes pass, every single-character corruption fails."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.firms.credit_code import (
    ALPHABET,
    check_character,
    credit_code_problem,
    is_valid_credit_code,
    normalise_credit_code,
)

# Characters a typist might hit that the code alphabet leaves out (look-alikes, lower case, punctuation, CJK).
OUTSIDE = "IOSVZ-i o*Ｏ０中"

codes = st.text(alphabet=ALPHABET, min_size=17, max_size=17).map(lambda first: first + check_character(first))
CORRUPTIONS_TRIED = {"codes": 0, "corruptions": 0}


def corruptions(code: str):
    """Every single-character substitution: each position × each other alphabet character, plus outsiders."""
    for position in range(len(code)):
        for ch in ALPHABET + OUTSIDE:
            if ch != code[position]:
                yield code[:position] + ch + code[position + 1:]


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(codes)
def test_valid_codes_pass_and_every_single_substitution_fails(code):
    assert is_valid_credit_code(code)
    assert credit_code_problem(code) is None
    tried = 0
    for corrupted in corruptions(code):
        tried += 1
        assert not is_valid_credit_code(corrupted), (code, corrupted)
        assert credit_code_problem(normalise_credit_code(corrupted)) is not None, (code, corrupted)
    # 18 positions × (30 other alphabet characters + the outsiders not equal to the original character)
    assert tried >= 18 * (30 + len(OUTSIDE) - 1)
    CORRUPTIONS_TRIED["codes"] += 1
    CORRUPTIONS_TRIED["corruptions"] += tried


def test_report_how_many_corruptions_were_tried(record_property):
    """Runs after the property test (file order): the figure the issue asks for."""
    summary = f"credit_code_property codes={CORRUPTIONS_TRIED['codes']} corruptions_rejected={CORRUPTIONS_TRIED['corruptions']}"
    print("\n" + summary)
    record_property("credit_code_property", summary)
    if CORRUPTIONS_TRIED["codes"]:  # run on its own (-k) the counter is empty
        assert CORRUPTIONS_TRIED["corruptions"] >= CORRUPTIONS_TRIED["codes"] * 18 * 30


def test_a_single_substitution_inside_the_alphabet_is_a_check_character_error():
    code = "91370000" + "000000001"
    code += check_character(code)
    wrong = code[:5] + ("1" if code[5] != "1" else "2") + code[6:]
    kind, info = credit_code_problem(wrong)
    assert kind == "check"


@pytest.mark.parametrize("code, kind", [
    ("9137000000000000", "length"),
    ("9137000000000000000", "length"),
    ("91370000000000000O", "alphabet"),  # the letter O is not in the alphabet
    ("9137000000000I0000", "alphabet"),
])
def test_format_errors_are_told_apart_from_check_errors(code, kind):
    assert credit_code_problem(code)[0] == kind


def test_normalising_drops_spaces_and_upper_cases():
    first = "91350100M000100Y4"
    assert is_valid_credit_code(first + check_character(first))
    assert normalise_credit_code(" 9135 0100m000100y4" + check_character(first).lower() + " ") == first + check_character(first)
