import pytest

from tests.protocols.ds.fake_ds import running_fake_ds


@pytest.fixture
def fake_ds(settings):
    with running_fake_ds() as fake:
        settings.DS_API_URL = fake.url
        settings.DS_API_TIMEOUT = 1
        fake.slow_seconds = 2.5
        yield fake
