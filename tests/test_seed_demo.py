"""`manage.py seed_demo` is idempotent: a second run changes nothing, history included."""

from django.apps import apps
from django.core.management import call_command

from portal.models import Professional, Region, Structure, User


def _row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", quiet_accounts=True)
    first = _row_counts()
    call_command("seed_demo", quiet_accounts=True)
    assert _row_counts() == first


def test_seed_demo_content():
    call_command("seed_demo", quiet_accounts=True)
    assert {"PACA", "CVL", "NAQ"} <= set(Region.objects.values_list("code", flat=True))
    oliviers = Structure.objects.get(finess="130012347")
    assert (oliviers.name, oliviers.kind, oliviers.commune, oliviers.siret, oliviers.in_zip) == (
        "MSP des Oliviers",
        "MSP",
        "Marseille",
        "81234567000010",
        True,
    )
    assert Structure.objects.get(finess="130012354").kind == "CPTS"
    assert Structure.objects.filter(region__code="PACA", kind="CDS").exists()
    assert Structure.objects.get(finess="370004566").region.code == "CVL"
    assert Professional.objects.get(rpps="10000000017").user.email == "medecin.msp@demo.fr"
    assert Professional.objects.get(rpps="10000000025").user.email == "ide.msp@demo.fr"
    for email in [
        "coordinateur.msp@demo.fr",
        "instructeur.paca@demo.fr",
        "commission.paca@demo.fr",
        "commission2.paca@demo.fr",
        "finance.paca@demo.fr",
        "admin.paca@demo.fr",
        "coordinateur.cvl@demo.fr",
        "instructeur.cvl@demo.fr",
    ]:
        user = User.objects.get(email=email)
        assert user.check_password("demo-portail-2025")


def test_seed_demo_prints_the_accounts(capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "demo-portail-2025" in output
    assert "instructeur.paca@demo.fr" in output
    assert "PORTAILDEMOTOTP2" in output
