from datetime import timedelta
from decimal import Decimal

import factory
from django.utils.text import slugify

from catalog.models import Category, MovementKind, Product
from catalog.stock import stock_record
from delivery.slots import DeliverySlot, upcoming_slots

OPENING_STOCK = 50


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda category: slugify(category.name))


class ProductFactory(factory.django.DjangoModelFactory):
    """A packaged product with OPENING_STOCK units received (stock=N for another figure), or, with perishable=True,
    one sold from each delivery date's supply (daily_supply=N, 30 unless given)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    category = factory.SubFactory(CategoryFactory)
    unit = "500 ml"
    price = Decimal("32.00")
    perishable = False
    daily_supply = factory.Maybe("perishable", yes_declaration=30, no_declaration=0)
    is_active = True
    subscribable = False

    @factory.post_generation
    def stock(product, create, extracted, **kwargs):
        """Opening stock is received through the stock service, so the product's movements add up to it."""
        if product.perishable:
            if extracted is not None:
                raise ValueError("A perishable sells from daily_supply; it has no running stock.")
            return
        units = OPENING_STOCK if extracted is None else extracted
        if create and units:
            stock_record(product=product, kind=MovementKind.RECEIVED, qty=units, note="Opening stock")
            product.refresh_from_db(fields=["stock"])


def slots_apart(days: int = 2) -> tuple[DeliverySlot, DeliverySlot]:
    """The first open delivery slot, and the same slot days later (both open for orders)."""
    first = upcoming_slots()[0]
    return first, DeliverySlot(date=first.date + timedelta(days=days), name=first.name)
