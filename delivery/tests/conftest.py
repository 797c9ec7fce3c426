import pytest

from delivery.models import ProofPolicy
from delivery.tests.proof_helpers import zone_asking


@pytest.fixture
def zone_without_delivery_codes():
    """The test zone asks for no delivery code: its deliveries are handed over by the workflow alone."""
    return zone_asking(ProofPolicy.NEVER)
