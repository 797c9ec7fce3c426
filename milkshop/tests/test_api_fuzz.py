"""Schemathesis over the published OpenAPI schema, signed in as a customer: no 5xx, every answer as documented."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from catalog.tests.factories import ProductFactory
from milkshop.tests.apiclient import ApiClient
from orders.tests.factories import customer_with_address, delivery_zone, place_order

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(live_server):
    return schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")


@pytest.fixture
def customer_token(transactional_db, client):
    delivery_zone()
    customer = customer_with_address(email="fuzz@example.in")
    ProductFactory(subscribable=True)
    place_order(user=customer)
    return ApiClient(client).login(customer.email).token


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_breaks_the_api(case, customer_token, live_server):
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Bearer {customer_token}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
