"""One table of cases, run through both readers of the eligibility rules (issue 15): the intervention form's checks
(``protocols.services.interventions.intervention_problems``) and the funding engine
(``funding.services.eligibility.recompute_eligibility``). Both read ``protocols.eligibility_rules``; this proves they
agree, at the bounds of every date.

What "agree" means, case by case:

- a protocol rule (``date_future`` … ``delegant_hors_equipe``, ``protocole_termine`` included): the form refuses, on
  the rule's field, and the engine
  excludes with that rule as its reason;
- the same act reported twice (``doublon``): the form refuses, and the database never stores the second copy, so the
  engine never pays it;
- a funding reason (``hors_subvention``, ``episode_deja_compte``): the form accepts — the intervention happened and is
  recorded — and the engine excludes it from the money;
- eligible: the form accepts, the engine pays.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import time_machine
from django.db import IntegrityError, transaction

from funding.models import InterventionEligibility
from funding.services.eligibility import RULES_IN_ORDER
from protocols.eligibility_rules import CODES, RULES
from protocols.models import Protocol
from protocols.services.interventions import intervention_problems
from tests.funding.eligibility_world import EligibilityWorld, build_world
from tests.protocols.factories import SuspensionFactory

D = datetime.date
NOW = datetime.datetime(2025, 11, 20, 10, 0, tzinfo=datetime.UTC)  # 20 November 2025 in Paris
EPISODE = "EP-CAS-1"
FIELD_OF = {rule.code: rule.field for rule in RULES}


@dataclass
class Case:
    name: str
    day: datetime.date
    expected: str  # the engine's reason, or "eligible"
    world: dict = field(default_factory=dict)  # ``build_world`` arguments (grant, declaration, team, training dates)
    setup: Callable[[EligibilityWorld], dict] | None = None  # changes to the world; returns intervention overrides


def _suspend_june(world):
    SuspensionFactory(protocol=world.protocol, starts_on=D(2025, 6, 1), lifted_on=D(2025, 6, 15))
    return {}


def _end_june(world):
    """The ARS ended the protocol's implementation: 30 June is its last day (the grant runs on, as decided)."""
    Protocol.objects.filter(pk=world.protocol.pk).update(status="ended", ended_on=D(2025, 6, 30))
    world.protocol.refresh_from_db()
    return {}


def _delegate_leaves_sept(world):
    world.delegate_membership.left_on = D(2025, 9, 1)
    world.delegate_membership.save()
    return {}


def _delegant_leaves_sept(world):
    world.delegant_membership.left_on = D(2025, 9, 1)
    world.delegant_membership.save()
    return {}


def _late_delegate(world):
    return {"delegate": world.add_delegate(joined_on=D(2025, 5, 1), trained_on=D(2025, 5, 1))}


def _same_act_already_logged(world):
    world.intervention(D(2025, 4, 15), episode_reference=EPISODE)
    return {}


def _episode_seen_on_april_15(world):
    world.intervention(D(2025, 4, 15), episode_reference=EPISODE)
    return {}


LATE_DECLARATION = {"declared_on": D(2025, 4, 1)}
LATE_GRANT = {"grant_starts_on": D(2025, 4, 1)}
SHORT_GRANT = {"grant_ends_on": D(2025, 6, 30)}
PER_PATIENT = {"counting_unit": "patient"}

# World by default: declared, team and grant from 2025-03-01, delegate trained on 2025-03-10; today 2025-11-20.
CASES = [
    Case("tout est en règle", D(2025, 4, 15), "eligible"),
    Case("la veille de la déclaration", D(2025, 3, 31), "protocole_non_declare", LATE_DECLARATION),
    Case("le jour de la déclaration", D(2025, 4, 1), "eligible", LATE_DECLARATION),
    Case("la veille de la fin de formation", D(2025, 3, 9), "delegue_non_forme"),
    Case("le jour de la fin de formation", D(2025, 3, 10), "eligible"),
    Case("la veille de la suspension", D(2025, 5, 31), "eligible", setup=_suspend_june),
    Case("le premier jour de la suspension", D(2025, 6, 1), "protocole_suspendu", setup=_suspend_june),
    Case("le dernier jour suspendu", D(2025, 6, 14), "protocole_suspendu", setup=_suspend_june),
    Case("le jour de la levée", D(2025, 6, 15), "eligible", setup=_suspend_june),
    Case("le dernier jour de mise en œuvre", D(2025, 6, 30), "eligible", setup=_end_june),
    Case("le lendemain du dernier jour de mise en œuvre", D(2025, 7, 1), "protocole_termine", setup=_end_june),
    Case("la veille du début de la subvention", D(2025, 3, 31), "hors_subvention", LATE_GRANT),
    Case("le premier jour de la subvention", D(2025, 4, 1), "eligible", LATE_GRANT),
    Case("le dernier jour de la subvention", D(2025, 6, 30), "eligible", SHORT_GRANT),
    Case("le lendemain de la fin de la subvention", D(2025, 7, 1), "hors_subvention", SHORT_GRANT),
    Case("sans subvention", D(2025, 4, 15), "hors_subvention", {"with_grant": False}),
    Case("délégué la veille de son arrivée", D(2025, 4, 30), "delegue_hors_equipe", setup=_late_delegate),
    Case("délégué le jour de son arrivée", D(2025, 5, 1), "eligible", setup=_late_delegate),
    Case("délégué la veille de son départ", D(2025, 8, 31), "eligible", setup=_delegate_leaves_sept),
    Case("délégué le jour de son départ", D(2025, 9, 1), "delegue_hors_equipe", setup=_delegate_leaves_sept),
    Case("délégant le jour de son départ", D(2025, 9, 1), "delegant_hors_equipe", setup=_delegant_leaves_sept),
    Case("aujourd'hui", D(2025, 11, 20), "eligible"),
    Case("demain", D(2025, 11, 21), "date_future"),
    Case("le même acte déclaré deux fois", D(2025, 4, 15), "doublon", setup=_same_act_already_logged),
    Case("même épisode un autre jour, par intervention", D(2025, 4, 20), "eligible", setup=_episode_seen_on_april_15),
    Case(
        "même épisode un autre jour, par patient",
        D(2025, 4, 20),
        "episode_deja_compte",
        PER_PATIENT,
        setup=_episode_seen_on_april_15,
    ),
    Case("premier contact, par patient", D(2025, 4, 15), "eligible", PER_PATIENT),
]


def test_the_table_covers_every_reason():
    assert {case.expected for case in CASES} == {*RULES_IN_ORDER, "eligible"}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_form_and_the_engine_agree(case):
    with time_machine.travel(NOW, tick=False):
        world = build_world(**case.world)
        overrides = case.setup(world) if case.setup else {}
        delegate = overrides.get("delegate", world.delegate)

        # The form's checks, on the intervention as a delegate would type it.
        problems = intervention_problems(
            protocol=world.protocol,
            delegate=delegate,
            delegant=world.delegant,
            performed_on=case.day,
            episode_reference=EPISODE,
        )

        # The engine, on the same intervention stored as an import would store it.
        try:
            with transaction.atomic():
                intervention = world.intervention(case.day, episode_reference=EPISODE, delegate=delegate)
        except IntegrityError:
            intervention = None
        world.recompute()

    if case.expected in CODES:
        assert intervention is not None and world.reason_of(intervention) == case.expected
        assert set(problems) == {FIELD_OF[case.expected]}, problems
    elif case.expected == "doublon":
        # Never stored twice, so never paid twice: one row of the act, eligible once.
        assert intervention is None
        assert (
            InterventionEligibility.objects.filter(intervention__protocol=world.protocol, is_eligible=True).count()
            == 1
        )
        assert "déjà enregistrée" in " ".join(problems["episode_reference"])
    else:
        assert problems == {}, problems
        assert world.reason_of(intervention) == case.expected
