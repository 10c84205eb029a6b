import pytest

from moncompte.registry.models import Beneficiary


@pytest.fixture
def beneficiary_committed(transactional_db) -> Beneficiary:
    """A person of the registry, seen by the live server's thread."""
    return Beneficiary.objects.create(
        nir="2840588321025", last_name="DURAND", first_name="Camille", birth_date="1984-05-03", postal_code="88100"
    )
