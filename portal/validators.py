"""Identifiers of French health organisations and professionals, checked on entry.

Each validator raises a ``ValidationError`` with a French message, so a bad key is a form error.
"""

import re

from django.core.exceptions import ValidationError


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_identifier(value: str) -> str:
    """Identifiers are typed with spaces, dots or dashes; only digits and letters count."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_finess(value: str) -> None:
    """FINESS: 9 characters, département first (2A/2B for Corsica), last character a Luhn key.

    For the key, Corsican codes read 2A as 21 and 2B as 22.
    """
    value = normalize_identifier(value)
    if not re.fullmatch(r"(\d{2}|2A|2B)\d{7}", value):
        raise ValidationError("Le numéro FINESS doit comporter 9 caractères (ex. 990000002).", code="finess_format")
    digits = value.replace("2A", "21", 1).replace("2B", "22", 1) if value[:2] in ("2A", "2B") else value
    if not luhn_is_valid(digits):
        raise ValidationError("La clé de contrôle du numéro FINESS est incorrecte.", code="finess_key")


def validate_siret(value: str) -> None:
    value = normalize_identifier(value)
    if not re.fullmatch(r"\d{14}", value):
        raise ValidationError("Le numéro SIRET doit comporter 14 chiffres.", code="siret_format")
    # La Poste's establishments share one SIREN and use a sum-of-digits rule instead of Luhn.
    if value.startswith("356000000") and sum(int(c) for c in value) % 5 == 0:
        return
    if not luhn_is_valid(value):
        raise ValidationError("La clé de contrôle du numéro SIRET est incorrecte.", code="siret_key")


def validate_rpps(value: str) -> None:
    value = normalize_identifier(value)
    if not re.fullmatch(r"\d{11}", value):
        raise ValidationError("Le numéro RPPS doit comporter 11 chiffres.", code="rpps_format")
    if not luhn_is_valid(value):
        raise ValidationError("La clé de contrôle du numéro RPPS est incorrecte.", code="rpps_key")


def validate_adeli(value: str) -> None:
    value = normalize_identifier(value)
    if not re.fullmatch(r"\d{9}", value):
        raise ValidationError("Le numéro ADELI doit comporter 9 chiffres.", code="adeli_format")


def validate_am_number(value: str) -> None:
    """N° AM: the 9-digit number under which the Assurance maladie knows a professional's practice (seed 003)."""
    value = normalize_identifier(value)
    if not re.fullmatch(r"\d{9}", value):
        raise ValidationError("Le numéro d'assurance maladie (N° AM) doit comporter 9 chiffres.", code="am_format")


def validate_professional_identifier(value: str) -> str:
    """An intervention names a professional by RPPS (11 digits) or ADELI (9 digits); returns which one."""
    value = normalize_identifier(value)
    if len(value) == 11:
        validate_rpps(value)
        return "rpps"
    if len(value) == 9:
        validate_adeli(value)
        return "adeli"
    raise ValidationError("L'identifiant doit être un RPPS (11 chiffres) ou un ADELI (9 chiffres).", code="id_format")
