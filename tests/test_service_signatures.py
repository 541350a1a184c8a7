"""The shape of the write services, read from the source (docs/conventions.md): every public function of a
``services`` module that opens a transaction is called with keyword arguments only (``dossier_submit(dossier=…,
by=…)``, never positionally) and is named ``<entity>_<verb>``, the entity being one of the portal's models or one
of the few concepts below that are not a model of their own."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
SERVICE_MODULES = sorted(
    path
    for app in ("portal", "protocols", "funding", "reporting")
    for path in [*(ROOT / app).glob("services/*.py"), *(ROOT / app).glob("services.py")]
)
# Concepts that services act on without a model of that name.
CONCEPTS = {
    "grid",  # a campaign's criteria and weights, as a whole
    "snp_line",  # a Grant of the SNP regime
    "team",  # a protocol's memberships
    "checklist",  # a protocol's checklist answers
    "complement",  # the answer to a complement request
    "instruction",  # the instructor's checks and notes on a dossier
    "interventions",  # a batch of rows (import, API)
    "reports",  # the opening of a half-year's reports
    "statements",  # the issue of a region's statements
    "grants",  # grants following a protocol's end
    "dossiers",  # bulk actions on dossiers
    "assignments",  # a campaign's review assignments
    "indicator_values",  # a grant's indicator values
    "committee_settings",  # a campaign's committee rules (fields of Campaign)
    "consolidation",  # a ConsolidatedReport being produced
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _entities() -> set[str]:
    entities = set(CONCEPTS)
    for model in apps.get_models():
        if model._meta.app_label not in {"portal", "protocols", "funding", "reporting"}:
            continue
        words = _snake(model.__name__).split("_")
        entities.update("_".join(words[start:]) for start in range(len(words)))  # CommitteeMeeting → meeting too
    return entities


def _write_services():
    for path in SERVICE_MODULES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                if any("atomic" in ast.unparse(decorator) for decorator in node.decorator_list):
                    yield f"{path.relative_to(ROOT)}::{node.name}", node


WRITE_SERVICES = dict(_write_services())


def test_the_write_services_are_found():
    assert len(WRITE_SERVICES) > 50 and "funding/services/dossiers.py::dossier_submit" in WRITE_SERVICES


@pytest.mark.parametrize("where", sorted(WRITE_SERVICES))
def test_a_write_service_takes_keyword_arguments_only(where):
    node = WRITE_SERVICES[where]
    assert not node.args.args and not node.args.vararg, f"{where}: ajoutez « *, » en tête des paramètres"


@pytest.mark.parametrize("where", sorted(WRITE_SERVICES))
def test_a_write_service_is_named_entity_verb(where):
    name = WRITE_SERVICES[where].name
    entities = _entities()
    words = name.split("_")
    assert len(words) >= 2 and any("_".join(words[:n]) in entities for n in range(1, len(words))), (
        f"{where}: nommez-le <entité>_<verbe> (entités : les modèles, ou CONCEPTS dans ce test)"
    )
