import pytest


@pytest.fixture(autouse=True)
def _stand_in_urls(settings):
    """Until the merge, the registration, meeting and roadmap URL names come from a stand-in urlconf."""
    settings.ROOT_URLCONF = "messaging.tests.urls"
