"""The DS client against a local DS answering from the real schema: a dossier read, DS's error answers, DS down,
slow past the timeout, or answering garbage. No database."""

import datetime
import json
import time

import pytest

from protocols.ds.client import DsRefused, DsUnavailable, fetch_dossier


def test_reads_state_deposit_day_in_paris_and_demarche(fake_ds):
    # 23:30 UTC on 14 January is already 15 January in Paris: the deposit day is Paris's.
    fake_ds.add_dossier(123456, state="en_instruction", deposited_at="2025-01-14T23:30:00Z", demarche=4321)
    dossier = fetch_dossier(token="jeton-de-test", number=123456)
    assert (dossier.number, dossier.state, dossier.deposited_on, dossier.demarche_number) == (
        123456,
        "en_instruction",
        datetime.date(2025, 1, 15),
        4321,
    )
    sent = fake_ds.requests[-1]
    assert sent["headers"]["Authorization"] == "Bearer jeton-de-test"
    assert json.loads(sent["body"])["variables"] == {"number": 123456}


def test_an_unknown_dossier_is_ds_refusing_with_its_message(fake_ds):
    with pytest.raises(DsRefused, match="Dossier not found"):
        fetch_dossier(token="jeton-de-test", number=999)


def test_a_refused_token_says_the_admin_must_renew_it(fake_ds):
    with pytest.raises(DsRefused, match="renouveler"):
        fetch_dossier(token="mauvais-jeton", number=1)


def test_ds_down_is_unavailable(fake_ds):
    fake_ds.mode = "down"
    with pytest.raises(DsUnavailable, match=r"\(503\)"):
        fetch_dossier(token="jeton-de-test", number=1)


def test_a_timeout_is_unavailable_and_does_not_wait_for_ds(fake_ds):
    fake_ds.mode = "slow"
    started = time.monotonic()
    with pytest.raises(DsUnavailable, match="ne répond pas"):
        fetch_dossier(token="jeton-de-test", number=1)
    assert time.monotonic() - started < 2.5  # the client's timeout (1 s), not DS's delay


def test_garbage_is_unavailable(fake_ds):
    fake_ds.mode = "garbage"
    with pytest.raises(DsUnavailable, match="illisible"):
        fetch_dossier(token="jeton-de-test", number=1)


def test_nobody_listening_is_unavailable(settings):
    settings.DS_API_URL = "http://127.0.0.1:9/api/v2/graphql"
    with pytest.raises(DsUnavailable):
        fetch_dossier(token="jeton-de-test", number=1)
