import pytest
from django.core.exceptions import ValidationError

from portal.validators import (
    validate_adeli,
    validate_finess,
    validate_professional_identifier,
    validate_rpps,
    validate_siret,
)


@pytest.mark.parametrize("value", ["130012347", "130012354", "370004566", "13 001 2347"])
def test_valid_finess(value):
    validate_finess(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("130012348", "finess_key"),  # wrong key
        ("13001234", "finess_format"),  # 8 characters
        ("1300123477", "finess_format"),
        ("AB0012347", "finess_format"),
    ],
)
def test_invalid_finess(value, code):
    with pytest.raises(ValidationError) as error:
        validate_finess(value)
    assert error.value.code == code
    assert "FINESS" in error.value.messages[0]


def test_corsican_finess_reads_2a_as_21_and_2b_as_22():
    # The key of 2A000001 is computed on 21000001 (4), that of 2B000001 on 22000001 (2).
    validate_finess("2A0000014")
    validate_finess("2B0000012")
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_finess("2A0000012")


def test_siret():
    validate_siret("81234567000010")
    validate_siret("35600000000048")  # La Poste: sum of digits divisible by 5
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siret("81234567000011")
    with pytest.raises(ValidationError, match="14 chiffres"):
        validate_siret("8123456700001")


def test_rpps():
    for value in ["10000000017", "10000000025", "10000000033", "10000000041"]:
        validate_rpps(value)
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_rpps("10000000018")
    with pytest.raises(ValidationError, match="11 chiffres"):
        validate_rpps("1000000001")


def test_adeli():
    validate_adeli("131234567")
    with pytest.raises(ValidationError, match="9 chiffres"):
        validate_adeli("13123456")


def test_professional_identifier_tells_rpps_from_adeli():
    assert validate_professional_identifier("10000000017") == "rpps"
    assert validate_professional_identifier("131234567") == "adeli"
    with pytest.raises(ValidationError):
        validate_professional_identifier("1234")
