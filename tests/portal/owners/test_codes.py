"""Claim-code values: alphabet, length, entropy, normalisation of what people type, uniqueness."""
from __future__ import annotations

import math
import re

import pytest

from portal.owners import codes

AMBIGUOUS = set("0O1IL5S2Z8BUV")


def test_codes_have_three_groups_of_five_from_the_unambiguous_alphabet():
    for _ in range(500):
        code = codes.generate_code()
        assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}", code), code
        assert set(code.replace("-", "")) <= set(codes.ALPHABET)
    assert not AMBIGUOUS & set(codes.ALPHABET)
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET) == 23


def test_entropy_is_at_least_64_bits():
    assert codes.LENGTH == 15
    assert codes.BITS == pytest.approx(15 * math.log2(23))
    assert codes.BITS >= 64


def test_every_alphabet_character_occurs_in_every_position():
    # A CSPRNG over the whole alphabet: 2,000 codes leave no character unused in any position.
    seen = [set() for _ in range(codes.LENGTH)]
    for _ in range(2000):
        for i, ch in enumerate(codes.normalise_code(codes.generate_code())):
            seen[i].add(ch)
    assert all(s == set(codes.ALPHABET) for s in seen)


@pytest.mark.parametrize("typed", ["k7qra-3mxtd-9fhwc", "K7QRA 3MXTD 9FHWC", " k7qra3mxtd9fhwc ", "K7QRA--3MXTD—9FHWC",
                                   "k7q ra-3mx td-9fh wc"])
def test_case_spaces_and_dashes_do_not_matter(typed):
    assert codes.normalise_code(typed) == "K7QRA3MXTD9FHWC"
    assert codes.looks_like_code(typed)
    assert codes.hash_code(typed) == codes.hash_code("K7QRA-3MXTD-9FHWC")


@pytest.mark.parametrize("typed", ["", "K7QRA-3MXTD", "K7QRA-3MXTD-9FHWCX", "O7QRA-3MXTD-9FHWC", "K7QRA-3MXTD-9FHW1",
                                   "K7QRA-3MXTD-9FHW<"])
def test_wrong_length_or_characters_are_not_codes(typed):
    assert not codes.looks_like_code(typed)


def test_ten_thousand_codes_are_all_different():
    made = {codes.normalise_code(codes.generate_code()) for _ in range(10_000)}
    assert len(made) == 10_000
    assert len({codes.hash_code(c) for c in made}) == 10_000
