"""Help texts, placeholders, API examples and import templates use example identifiers that belong to nobody: no
demo person's RPPS, ADELI or N° AM, no demo structure's FINESS or SIRET (portal/examples.py)."""

import io
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from config.api import api
from portal.examples import EXAMPLE_FINESS, EXAMPLE_RPPS, EXAMPLE_RPPS_DELEGANT, EXAMPLES
from portal.models import Professional, Structure, StructureMembership, User
from portal.validators import validate_finess, validate_rpps
from protocols.imports.files import template_csv, template_xlsx

ROOT = Path(__file__).resolve().parent.parent
# Where help texts, placeholders and examples live; the demo seeders (which must name the demo people) are left out.
SOURCES = ("portal", "protocols", "funding", "reporting", "templates", "static", "config")
SUFFIXES = {".py", ".html", ".txt", ".js", ".csv"}


def _demo_identifiers() -> set[str]:
    people = Professional.objects.values_list("rpps", "adeli", "am_number")
    structures = Structure.objects.values_list("finess", "siret")
    return {value for row in [*people, *structures] for value in row if value}


def _is_demo_source(path: Path) -> bool:
    return "demo" in path.parts or path.stem.startswith("demo") or "migrations" in path.parts


def test_examples_pass_the_format_checks():
    for rpps in (EXAMPLE_RPPS, EXAMPLE_RPPS_DELEGANT):
        validate_rpps(rpps)
    validate_finess(EXAMPLE_FINESS)
    try:
        validate_rpps("12345678900")
    except ValidationError:
        pass
    else:  # the check key is checked, so an example that passes is a well-formed one
        raise AssertionError("RPPS key not checked")


def test_no_demo_identifier_in_help_texts_templates_or_api_examples(demo, client):
    identifiers = _demo_identifiers()
    assert "10000000025" in identifiers and "130012347" in identifiers  # the demo is loaded
    assert not identifiers & set(EXAMPLES)

    # Source files that are not demo seeders: help texts, placeholders, examples, e-mails, templates.
    offenders = []
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in SUFFIXES or _is_demo_source(path.relative_to(ROOT)):
                continue
            text = path.read_text(encoding="utf-8", errors="ignore")
            offenders += [f"{path.relative_to(ROOT)}: {value}" for value in identifiers if value in text]
    assert offenders == []

    # What a Centre-Val de Loire coordinator downloads, and what the API documentation shows.
    csv_text = template_csv().decode("utf-8")
    sheet = load_workbook(io.BytesIO(template_xlsx())).active
    xlsx_text = " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None)
    schema = json.dumps(api.get_openapi_schema(), ensure_ascii=False)
    for text in (csv_text, xlsx_text, schema):
        assert [value for value in identifiers if value in text] == []
    assert EXAMPLE_RPPS in csv_text and EXAMPLE_RPPS_DELEGANT in xlsx_text
    assert "Bernard" not in csv_text and "LOC-PACA-HTA" not in csv_text

    # Every user's account page (here a CVL nurse's) shows no other person's number.
    nurse = User.objects.get(email="ide.cvl@demo.fr")
    client.force_login(nurse)
    page = client.get(reverse("portal:account")).content.decode()
    own = {nurse.professional.rpps} | {
        value
        for row in StructureMembership.objects.filter(user=nurse).values_list("structure__finess", "structure__siret")
        for value in row
    }
    assert [value for value in identifiers - own if value in page] == []
    assert EXAMPLE_RPPS in page
