"""The protocols layer refuses to start when funding has not plugged in its eligibility receivers or its lock."""

from django.core.management import call_command

from protocols import checks, locks
from protocols.signals import eligibility_inputs_changed


def test_with_funding_installed_the_portal_starts_clean():
    assert checks.check_providers_registered() == []
    call_command("check", fail_level="ERROR")


def test_without_eligibility_receivers_the_check_fails(monkeypatch):
    monkeypatch.setattr(eligibility_inputs_changed, "receivers", [])
    monkeypatch.setattr(eligibility_inputs_changed, "sender_receivers_cache", {})
    assert [error.id for error in checks.check_providers_registered()] == ["protocols.E001"]


def test_without_an_intervention_lock_provider_the_check_fails(monkeypatch):
    monkeypatch.setattr(locks, "_providers", [])
    assert [error.id for error in checks.check_providers_registered()] == ["protocols.E002"]
