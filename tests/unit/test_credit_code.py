import pytest

from projectmgr.rules.credit_code import (
    ALPHABET,
    credit_code_check_char,
    is_valid_credit_code,
    make_credit_code,
    normalize_credit_code,
)

# Published codes of real organisations, each valid under GB 32100-2015.
PUBLISHED = [
    "91350100M000100Y43",  # the sample code widely used in GB 32100 explanations
    "91110000600037341L",
    "91440300708461136T",  # Huawei Technologies Co., Ltd.
    "91110108551385082Q",  # Beijing Xiaomi Technology Co., Ltd.
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert is_valid_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]
    assert make_credit_code(code[:17]) == code


def _corruptions(code: str):
    for i, original in enumerate(code):
        for replacement in ALPHABET:
            if replacement != original:
                yield code[:i] + replacement + code[i + 1 :]


@pytest.mark.parametrize("code", PUBLISHED)
def test_every_single_character_corruption_fails(code):
    # Weights are powers of 3 mod 31 (prime), so any one-character change alters the check sum.
    bad = [c for c in _corruptions(code) if is_valid_credit_code(c)]
    assert bad == []


@pytest.mark.parametrize(
    "code",
    [
        "",
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100m000100y43",  # lowercase: normalize first
        " 91350100M000100Y43",  # whitespace: normalize first
        "91350100O000100Y43",  # O is not in the alphabet
        "91350100I000100Y43",
        "91350100Z000100Y43",
        "91350100S000100Y43",
        "91350100V000100Y43",
        "9135010０M000100Y43",  # full-width digit
    ],
)
def test_malformed_codes_are_invalid(code):
    assert not is_valid_credit_code(code)


def test_swapped_adjacent_characters_fail():
    code = PUBLISHED[0]
    swapped = code[:2] + code[3] + code[2] + code[4:]
    assert swapped != code
    assert not is_valid_credit_code(swapped)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 91350100m000100y43 \n", "91350100M000100Y43"),
        ("91110000600037341l", "91110000600037341L"),
    ],
)
def test_normalize_then_validate(raw, expected):
    assert normalize_credit_code(raw) == expected
    assert is_valid_credit_code(normalize_credit_code(raw))


def test_check_char_zero_maps_to_zero():
    # (31 - 0 % 31) % 31 == 0: an all-zero body must give "0", not index 31.
    assert credit_code_check_char("0" * 17) == "0"


@pytest.mark.parametrize("body", ["", "9135010", "91350100M000100Y4X", "91350100O000100Y4"])
def test_check_char_rejects_bad_body(body):
    with pytest.raises(ValueError, match="credit code body"):
        credit_code_check_char(body)


def test_make_credit_code_roundtrip():
    code = make_credit_code("91410500MA00000A0")
    assert len(code) == 18
    assert is_valid_credit_code(code)
