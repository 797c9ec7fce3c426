from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby

from django.conf import settings
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from accounts.models import User
from containers.selectors import containers_at_stops
from delivery.models import Delivery, DeliveryStatus, DeliveryStatusHistory, DeliveryZone, RouteStop, SlotBooking
from delivery.slots import DeliverySlot, slot_names, upcoming_slots


def zone_for_pincode(pincode: str) -> DeliveryZone | None:
    candidates = DeliveryZone.objects.filter(is_active=True, pincodes__contains=pincode)
    return next((zone for zone in candidates if zone.covers(pincode)), None)


@dataclass(frozen=True)
class SlotOption:
    slot: DeliverySlot
    remaining: int


def open_slot_options(now=None) -> list[SlotOption]:
    """Slots a customer can still choose: before the cutoff and not full (one query)."""
    slots = upcoming_slots(now)
    if not slots:
        return []
    booked = {
        (row.date, row.slot): row.booked
        for row in SlotBooking.objects.filter(date__gte=slots[0].date, date__lte=slots[-1].date)
    }
    capacity = settings.DELIVERY_SLOT_CAPACITY
    options = [SlotOption(slot, capacity - booked.get((slot.date, slot.name), 0)) for slot in slots]
    return [option for option in options if option.remaining > 0]


# Deliveries

# A rider's route: zone, then the household's stop in the zone's route (delivery.routes); households without one
# after those with one, by area, PIN code and street address, so neighbours come one after another.
ROUTE_ORDER = (
    "zone__name",
    F("route_position").asc(nulls_last=True),
    "order__area",
    "order__pincode",
    "order__address_line1",
    "pk",
)


def _in_route_order(deliveries: QuerySet[Delivery], *first) -> QuerySet[Delivery]:
    """Ordered by first, then ROUTE_ORDER; each delivery's route_position is its household's stop in the route."""
    stop = RouteStop.objects.filter(zone=OuterRef("zone"), user=OuterRef("user")).values("position")[:1]
    return deliveries.annotate(route_position=Subquery(stop)).order_by(*first, *ROUTE_ORDER)


def _with_details(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """With the order, its lines, and the containers at the door (containers.selectors.containers_at_stops)."""
    details = deliveries.select_related("order", "zone", "rider").prefetch_related("order__lines")
    return details.annotate(**containers_at_stops())


def _slot_sort_key(name: str) -> tuple[int, str]:
    names = slot_names()
    return (names.index(name) if name in names else len(names), name)


@dataclass(frozen=True)
class Progress:
    delivered: int
    failed: int
    remaining: int
    cash_collected: Decimal
    cash_to_collect: Decimal

    @property
    def done(self) -> int:
        return self.delivered + self.failed

    @classmethod
    def of(cls, deliveries: list[Delivery]) -> "Progress":
        statuses = Counter(delivery.status for delivery in deliveries)
        active = [delivery for delivery in deliveries if delivery.is_active]
        return cls(
            delivered=statuses[DeliveryStatus.DELIVERED],
            failed=statuses[DeliveryStatus.FAILED],
            remaining=len(active),
            cash_collected=sum((delivery.cash_collected for delivery in deliveries), Decimal("0.00")),
            cash_to_collect=sum((delivery.cash_due for delivery in active), Decimal("0.00")),
        )


@dataclass(frozen=True)
class SlotRun:
    """One slot of a rider's day (or of one rider's manifest sheet): deliveries in route order, numbered."""

    slot: DeliverySlot
    deliveries: list[Delivery]

    @property
    def waiting(self) -> int:
        return sum(1 for delivery in self.deliveries if delivery.status == DeliveryStatus.ASSIGNED)


def _runs(day: date, deliveries: list[Delivery]) -> list[SlotRun]:
    """Group route-ordered deliveries by slot (in the shop's slot order) and number the stops of each run."""
    by_slot: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        by_slot.setdefault(delivery.slot, []).append(delivery)
    runs = []
    for name in sorted(by_slot, key=_slot_sort_key):
        for stop, delivery in enumerate(by_slot[name], start=1):
            delivery.stop = stop
        runs.append(SlotRun(slot=DeliverySlot(date=day, name=name), deliveries=by_slot[name]))
    return runs


@dataclass(frozen=True)
class RiderDay:
    day: date
    runs: list[SlotRun]
    progress: Progress

    def find(self, delivery_id: int) -> Delivery | None:
        return next((d for run in self.runs for d in run.deliveries if d.pk == delivery_id), None)


def rider_day(*, rider: User, day: date) -> RiderDay:
    """A rider's deliveries for a day, by slot and in route order, with their progress (two queries)."""
    deliveries = list(_in_route_order(_with_details(Delivery.objects.filter(rider=rider, delivery_date=day))))
    return RiderDay(day=day, runs=_runs(day, deliveries), progress=Progress.of(deliveries))


def delivery_for_rider(*, rider: User, delivery_id: int) -> Delivery:
    """A delivery of this rider's; anyone else's is a 404, exactly as if it did not exist."""
    return get_object_or_404(Delivery.objects.select_related("order"), pk=delivery_id, rider=rider)


@dataclass(frozen=True)
class PackingLine:
    product_name: str
    unit: str
    qty: int
    orders: int


@dataclass(frozen=True)
class RouteSheet:
    rider: User | None
    run: SlotRun
    progress: Progress


@dataclass(frozen=True)
class Manifest:
    slot: DeliverySlot
    packing: list[PackingLine]
    sheets: list[RouteSheet]

    @property
    def deliveries(self) -> int:
        return sum(len(sheet.run.deliveries) for sheet in self.sheets)

    @property
    def unassigned(self) -> int:
        return sum(len(sheet.run.deliveries) for sheet in self.sheets if sheet.rider is None)


def manifest_for_slot(*, slot: DeliverySlot) -> Manifest:
    """The dairy's sheet for one slot: what to pack (per product) and each rider's route (two queries).

    Every delivery that is not cancelled counts: packing happens before the route, and a failed delivery
    was packed all the same.
    """
    deliveries = list(
        _in_route_order(
            _with_details(
                Delivery.objects.filter(delivery_date=slot.date, slot=slot.name).exclude(
                    status=DeliveryStatus.CANCELLED
                )
            ),
            F("rider__name").asc(nulls_first=True),
            "rider_id",
        )
    )
    packing: dict[tuple[str, str], list[int]] = {}
    for delivery in deliveries:
        for line in delivery.order.lines.all():
            qty_orders = packing.setdefault((line.product_name, line.unit), [0, 0])
            qty_orders[0] += line.qty
            qty_orders[1] += 1
    sheets = []
    for _rider, group in groupby(deliveries, key=lambda delivery: delivery.rider_id):
        run = _runs(slot.date, list(group))[0]
        sheets.append(RouteSheet(rider=run.deliveries[0].rider, run=run, progress=Progress.of(run.deliveries)))
    return Manifest(
        slot=slot,
        packing=[PackingLine(name, unit, qty, orders) for (name, unit), (qty, orders) in sorted(packing.items())],
        sheets=sheets,
    )


# Tracking


def _with_timeline(delivery: Delivery) -> Delivery:
    delivery.timeline = [entry for entry in delivery.history.all() if entry.is_status_change]
    return delivery


def delivery_for_tracking(*, token: str) -> Delivery:
    """The delivery behind a public tracking link; an unknown token is a 404."""
    deliveries = Delivery.objects.select_related("order").prefetch_related("history")
    return _with_timeline(get_object_or_404(deliveries, tracking_token=token))


def delivery_for_customer(*, user: User, number: str) -> Delivery:
    """The delivery of one of the customer's own orders; anyone else's is a 404."""
    deliveries = Delivery.objects.select_related("order", "rider", "zone").prefetch_related("history")
    return _with_timeline(get_object_or_404(deliveries, order__number=number, order__user=user))


def delivery_for_order_page(*, order) -> Delivery | None:
    """The order's delivery with its timeline, in one query (every delivery has a history row from its creation)."""
    history = list(
        DeliveryStatusHistory.objects.filter(delivery__order_id=order.pk).select_related(
            "delivery__rider", "delivery__zone"
        )
    )
    if not history:
        return None
    delivery = history[0].delivery
    delivery.order = order
    delivery.timeline = [entry for entry in history if entry.is_status_change]
    return delivery


# Routes


@dataclass(frozen=True)
class ZoneRoute:
    """A zone's route as staff reorder it: its stops in order, and how many households with deliveries have none."""

    zone: DeliveryZone
    stops: list[RouteStop]
    households_without_stop: int


def route_for_zone(*, zone: DeliveryZone) -> ZoneRoute:
    """The zone's stops in order with their households (two queries)."""
    stops = list(RouteStop.objects.filter(zone=zone).select_related("user").order_by("position"))
    has_stop = RouteStop.objects.filter(zone=zone, user=OuterRef("user"))
    without = Delivery.objects.filter(zone=zone).exclude(Exists(has_stop)).values("user").distinct().count()
    return ZoneRoute(zone=zone, stops=stops, households_without_stop=without)
