"""Demo AMI campaigns and dossiers: the ARS PACA call of seed 000 (deadline 15 January 2025, 08:00 Paris time,
5 projects) with dossiers in every state of instruction, and the Centre-Val de Loire call with one dossier.

Everything goes through the services with the historical dates (``now=``), so the snapshots, hashes, transition
log and numbers are the real ones. Idempotent: a campaign is looked up by (region, title), a wave by its number, a
dossier by its reference; an existing dossier is left alone, so a second run writes nothing.

Protocols come from the protocols seeder, looked up by (structure FINESS, code); a missing protocol does not stop
the seed: the dossier then asks for drafting support instead. The scoring grid is seeded by the committee seeder.
"""

import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.base import ContentFile

from funding.demo import keys
from funding.demo.campaign_data import (
    COMMON_ANSWERS,
    CVL_DESCRIPTION,
    CVL_DOSSIER,
    HAUT_VAR,
    HAUT_VAR_COORDINATOR,
    PACA_DESCRIPTION,
    PACA_DOSSIERS,
    PACA_RULES,
    at,
    demo_pdf,
)
from funding.models import Campaign, Dossier, InstructionCheck, Wave
from funding.services import campaigns as campaign_services
from funding.services import dossiers as dossier_services
from funding.services import instruction as instruction_services
from funding.services.messages import dossier_message_post
from portal.access import forget_scope
from portal.models import Structure, StructureMembership, User
from portal.roles import Role
from protocols.models import Protocol

OK, KO = InstructionCheck.Outcome.OK, InstructionCheck.Outcome.KO
Step = InstructionCheck.Step


def _user(email: str, first_name: str, last_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, settings.DEMO_PASSWORD, first_name=first_name, last_name=last_name)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _haut_var(region) -> None:
    structure = Structure.objects.filter(finess=HAUT_VAR["finess"]).first()
    if structure is None:
        structure = Structure.objects.create(region=region, **HAUT_VAR)
    user = _user(*HAUT_VAR_COORDINATOR)
    StructureMembership.objects.get_or_create(user=user, structure=structure, role=Role.COORDINATOR)
    forget_scope(user)


def _campaign(region, admin, *, title, description, rules, published, wave, **fields) -> Campaign:
    campaign = Campaign.objects.filter(region=region, title=title).first()
    if campaign is None:
        campaign = campaign_services.campaign_create(
            by=admin,
            region=region,
            title=title,
            description=description,
            rules=rules,
            eligible_structure_kinds=["MSP", "CDS", "CPTS", "ESP"],
            **fields,
        )
    if not Wave.objects.filter(campaign=campaign, number=1).exists():
        campaign_services.wave_create(campaign=campaign, by=admin, **wave)
    if campaign.published_at is None:
        campaign = campaign_services.campaign_publish(campaign=campaign, by=admin, at=published)
    return campaign


def _protocol(finess: str, code: str | None):
    if not code:
        return None
    return Protocol.objects.filter(structure__finess=finess, code=code).first()


def _open_dossier(campaign, story: dict, users: dict) -> Dossier:
    coordinator = users[story["coordinator"]]
    forget_scope(coordinator)
    structure = Structure.objects.get(finess=story["finess"])
    protocol = _protocol(story["finess"], story["protocol"])
    dossier = dossier_services.dossier_create(
        campaign=campaign, structure=structure, by=coordinator, protocol=protocol, now=story["created"]
    )
    if dossier.reference != story["reference"]:
        raise RuntimeError(
            f"Le dossier de démonstration {story['reference']} a reçu le numéro {dossier.reference} : d'autres "
            "dossiers occupent déjà la numérotation (base non vide ?)."
        )
    # The dossier's own answers win over the common ones (its protocol's training, its team).
    answers = dict(story["answers"]) if story.get("partial") else {**COMMON_ANSWERS, **story["answers"]}
    if story["protocol"] and protocol is None and not story.get("partial"):
        # The protocols seeder has not created this protocol (yet): ask for drafting support instead.
        answers.update(
            drafting_support_requested=True,
            drafting_support_needs=f"Protocole {story['protocol']} en cours de saisie dans le portail.",
        )
    dossier_services.dossier_save_draft(dossier=dossier, by=coordinator, data=answers)
    if not story.get("partial"):
        label = story.get("attachment_label", "Projet de santé de la structure")
        dossier_services.dossier_attachment_add(
            dossier=dossier,
            by=coordinator,
            kind="health_project",
            label=label,
            file=ContentFile(demo_pdf(f"{label} - {structure.name}"), name="projet-de-sante.pdf"),
            now=story["created"] + datetime.timedelta(days=7),
        )
    if story.get("submitted"):
        dossier_services.dossier_submit(
            dossier=dossier, by=coordinator, sworn_statement=True, now=story["submitted"], send_receipt=False
        )
    return dossier


def _instruct_oliviers(dossier, instructor, coordinator) -> None:
    instruction_services.dossier_start_instruction(dossier=dossier, by=instructor, now=at(2025, 1, 16, 9, 30))
    question = dossier_message_post(
        dossier=dossier,
        by=instructor,
        body="Bonjour, pouvez-vous préciser le nombre de créneaux hebdomadaires réservés aux consultations "
        "infirmières du protocole ?",
        now=at(2025, 1, 16, 9, 45),
    )
    dossier_message_post(
        dossier=dossier,
        by=coordinator,
        parent=question,
        body="Bonjour, six demi-journées par semaine, réparties entre les deux infirmiers ; le pharmacien reçoit "
        "sur rendez-vous à l'officine.",
        now=at(2025, 1, 16, 14, 10),
    )
    record = instruction_services.instruction_check_record
    record(
        dossier=dossier,
        by=instructor,
        step=Step.ADMINISTRATIVE,
        outcome=OK,
        motive="FINESS, SIRET et projet de santé conformes.",
        now=at(2025, 1, 16, 10, 0),
    )
    record(
        dossier=dossier,
        by=instructor,
        step=Step.COMPLETENESS,
        outcome=OK,
        motive="Toutes les rubriques sont renseignées.",
        now=at(2025, 1, 16, 10, 5),
    )
    record(
        dossier=dossier,
        by=instructor,
        step=Step.FIT_TO_NEEDS,
        outcome=OK,
        motive="ZIP, départs de médecins non remplacés : besoin avéré.",
        now=at(2025, 1, 20, 14, 0),
    )
    instruction_services.instruction_note_add(
        dossier=dossier,
        by=instructor,
        body="Dossier solide ; à présenter en premier en commission.",
        now=at(2025, 1, 20, 14, 5),
    )
    instruction_services.dossier_declare_admissible(
        dossier=dossier,
        by=instructor,
        motive="Dossier régulier, complet et adapté aux besoins.",
        now=at(2025, 1, 21, 9, 0),
    )
    instruction_services.dossier_send_to_committee(dossier=dossier, by=instructor, now=at(2025, 1, 27, 9, 0))


def _instruct_pays_d_aix(dossier, instructor, coordinator) -> None:
    instruction_services.dossier_start_instruction(dossier=dossier, by=instructor, now=at(2025, 1, 16, 11, 0))
    record = instruction_services.instruction_check_record
    record(
        dossier=dossier,
        by=instructor,
        step=Step.ADMINISTRATIVE,
        outcome=OK,
        motive="Pièces administratives conformes.",
        now=at(2025, 1, 16, 11, 10),
    )
    record(
        dossier=dossier,
        by=instructor,
        step=Step.COMPLETENESS,
        outcome=KO,
        motive="Répartition de la subvention à détailler.",
        now=at(2025, 1, 16, 11, 15),
    )
    instruction_services.complement_request_create(
        dossier=dossier,
        by=instructor,
        items=["Détailler la répartition de la subvention entre infirmiers et médecins"],
        sections=["sharing"],
        due_on=datetime.date(2025, 1, 31),
        message="Merci de préciser les modalités de versement aux professionnels.",
        now=at(2025, 1, 17, 9, 0),
    )
    dossier_services.dossier_save_draft(
        dossier=dossier,
        by=coordinator,
        data={
            "subsidy_sharing": "Versement trimestriel : 12,50 € par intervention à l'infirmier délégué qui l'a "
            "réalisée, 12,50 € au médecin délégant qui en assure la revue.",
        },
    )
    instruction_services.complement_provide(
        dossier=dossier,
        by=coordinator,
        answer="Répartition détaillée dans la rubrique rouverte.",
        now=at(2025, 1, 22, 18, 30),
    )
    record(
        dossier=dossier,
        by=instructor,
        step=Step.COMPLETENESS,
        outcome=OK,
        motive="Complément reçu : répartition précisée.",
        now=at(2025, 1, 23, 9, 0),
    )
    record(
        dossier=dossier,
        by=instructor,
        step=Step.FIT_TO_NEEDS,
        outcome=OK,
        motive="Réponse adaptée aux délais de rendez-vous en médecine générale du territoire.",
        now=at(2025, 1, 23, 9, 10),
    )
    instruction_services.dossier_declare_admissible(dossier=dossier, by=instructor, now=at(2025, 1, 24, 10, 0))
    instruction_services.dossier_send_to_committee(dossier=dossier, by=instructor, now=at(2025, 1, 27, 9, 5))


def _withdraw_val_de_l_arc(dossier, coordinator) -> None:
    dossier_services.dossier_withdraw(
        dossier=dossier,
        by=coordinator,
        reason="L'équipe reporte sa candidature à une prochaine vague, le temps de rédiger le protocole avec la "
        "CPTS du Pays d'Aix.",
        now=at(2025, 1, 29, 17, 0),
    )


def _refuse_haut_var(dossier, instructor) -> None:
    instruction_services.dossier_start_instruction(dossier=dossier, by=instructor, now=at(2025, 1, 17, 8, 45))
    instruction_services.instruction_check_record(
        dossier=dossier,
        by=instructor,
        step=Step.ADMINISTRATIVE,
        outcome=KO,
        motive="Le projet de santé joint n'est signé ni daté par les professionnels de la structure.",
        now=at(2025, 1, 17, 9, 0),
    )
    instruction_services.complement_request_create(
        dossier=dossier,
        by=instructor,
        items=["Projet de santé signé et daté par les professionnels de la MSP"],
        sections=["attachments"],
        due_on=datetime.date(2025, 1, 31),
        now=at(2025, 1, 17, 9, 5),
    )
    instruction_services.dossier_declare_inadmissible(
        dossier=dossier,
        by=instructor,
        reason="Projet de santé signé non transmis dans le délai fixé (31 janvier 2025) : la régularité "
        "administrative du dossier n'est pas établie.",
        now=at(2025, 2, 5, 10, 0),
    )


def seed(context: dict) -> dict:
    regions, users = context["regions"], dict(context["users"])
    paca, cvl = regions["PACA"], regions["CVL"]
    _haut_var(paca)
    users[HAUT_VAR_COORDINATOR[0]] = User.objects.get(email=HAUT_VAR_COORDINATOR[0])
    paca_campaign = _campaign(
        paca,
        users["admin.paca@demo.fr"],
        title=keys.PACA_CAMPAIGN_TITLE,
        description=PACA_DESCRIPTION,
        rules=PACA_RULES,
        published=at(2024, 11, 4, 9, 0),
        committee_date=datetime.date(2025, 2, 18),
        answer_expected_on=datetime.date(2025, 3, 31),
        budget=35000,
        wave={
            "opens_at": at(2024, 11, 4, 9, 0),
            "deadline": at(2025, 1, 15, 8, 0),
            "projects_funded": 5,
            "committee_date": datetime.date(2025, 2, 18),
        },
    )
    cvl_campaign = _campaign(
        cvl,
        users["admin.cvl@demo.fr"],
        title=keys.CVL_CAMPAIGN_TITLE,
        description=CVL_DESCRIPTION,
        rules=PACA_RULES,
        published=at(2025, 2, 3, 9, 0),
        committee_date=datetime.date(2025, 5, 20),
        answer_expected_on=datetime.date(2025, 6, 30),
        wave={
            "opens_at": at(2025, 2, 3, 9, 0),
            "deadline": at(2025, 4, 30, 12, 0),
            "projects_funded": 3,
            "committee_date": datetime.date(2025, 5, 20),
        },
    )
    instructor = users["instructeur.paca@demo.fr"]
    for story in PACA_DOSSIERS:
        if Dossier.objects.filter(reference=story["reference"]).exists():
            continue
        dossier = _open_dossier(paca_campaign, story, users)
        coordinator = users[story["coordinator"]]
        if story["reference"] == keys.OLIVIERS_DOSSIER:
            _instruct_oliviers(dossier, instructor, coordinator)
        elif story["reference"] == keys.PAYS_D_AIX_DOSSIER:
            _instruct_pays_d_aix(dossier, instructor, coordinator)
        elif story["reference"] == keys.VAL_DE_L_ARC_DOSSIER:
            _withdraw_val_de_l_arc(dossier, coordinator)
        elif story["reference"] == keys.INADMISSIBLE_DOSSIER:
            _refuse_haut_var(dossier, instructor)
    if not Dossier.objects.filter(reference=CVL_DOSSIER["reference"]).exists():
        _open_dossier(cvl_campaign, CVL_DOSSIER, users)
    dossiers = {
        dossier.reference: dossier for dossier in Dossier.objects.filter(campaign__in=[paca_campaign, cvl_campaign])
    }
    return {
        "campaigns": {"PACA": paca_campaign, "CVL": cvl_campaign},
        "waves": {"PACA": paca_campaign.waves.get(number=1), "CVL": cvl_campaign.waves.get(number=1)},
        "dossiers": dossiers,
        "users": users,
    }
