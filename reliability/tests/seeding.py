"""Shop data for a database the test process is not connected to (the throwaway PostgreSQL cluster).

    python -c "import django; django.setup(); from reliability.tests.seeding import seed_shop; seed_shop(PATH)"

with DATABASE_URL pointing at the database; writes what the test needs to know as JSON to PATH.
"""

import json
from pathlib import Path

STOCK = 100_000


def seed_shop(path: str, customers: int = 4) -> None:
    from catalog.tests.factories import ProductFactory
    from delivery.slots import upcoming_slots
    from orders.tests.factories import customer_with_address, delivery_zone

    delivery_zone()
    product = ProductFactory(name="Restart Milk", stock=STOCK)
    people = [customer_with_address() for _ in range(customers)]
    facts = {
        "product_id": product.pk,
        "stock": STOCK,
        "slot": upcoming_slots()[0].key,
        "customers": [{"email": c.email, "address_id": c.addresses.get().pk} for c in people],
    }
    Path(path).write_text(json.dumps(facts))
