"""Each zone's route: the order its households are visited in, which staff set once and which lasts from day to day.

A household joins its zone's route with its first delivery there: right after the last stop with the same PIN code
and area, else right after the last stop with the same PIN code, else at the end. Staff then move stops up and
down. Positions run 1..n in every zone.

Every write here first locks the zone's row, so two checkouts in one zone, or a checkout and a staff member
reordering, take turns. The lock is FOR NO KEY UPDATE: orders and deliveries that name the zone are not held up by
it. Deliveries are the last rows a lifecycle transaction creates, so this lock comes after every lock taken through
orders.locks (its "route" step).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Subquery, When

from accounts.models import User
from delivery.models import Delivery, DeliveryZone, RouteStop

CHANGE_PERMISSION = "delivery.change_routestop"
UP, DOWN = "up", "down"


class RouteError(Exception):
    """A change to a route that cannot be made; the message is for staff."""


def _may_reorder(by: User | None) -> None:
    """The shop itself (None) and staff allowed to change routes reorder them; nobody else."""
    if by is not None and not (by.is_active and by.is_staff and by.has_perm(CHANGE_PERMISSION)):
        raise RouteError("Only staff who may change routes can reorder them.")


def _zones_lock(zone_ids) -> None:
    list(DeliveryZone.objects.select_for_update(no_key=True).filter(pk__in=set(zone_ids)).order_by("pk").only("pk"))


# Households joining a route


@dataclass(eq=False)
class _Place:
    user_id: int
    pincode: str
    area: str
    position: int | None = None  # where it is now; None for a household joining
    next: "_Place | None" = None


def _join(stops: list[_Place], joining: list[_Place]) -> list[_Place]:
    """The route (stops in position order) with the joining households in their places, in one pass.

    A linked list, with the last place of each PIN code and of each PIN code and area kept up to date as households
    join: each joins in constant time, so a first night with thousands of new households stays quick."""
    head = tail = _Place(user_id=0, pincode="", area="")
    last_in_area: dict[tuple[str, str], _Place] = {}
    last_in_pincode: dict[str, _Place] = {}
    for place in stops:
        tail.next = place
        tail = place
        last_in_area[(place.pincode, place.area)] = place
        last_in_pincode[place.pincode] = place
    for place in joining:
        area = (place.pincode, place.area)
        anchor = last_in_area.get(area) or last_in_pincode.get(place.pincode) or tail
        # Right after the anchor, the newcomer is the last of its area; and the last of its PIN code unless it
        # joined its area in the middle of the PIN code's stops.
        if last_in_pincode.get(place.pincode, anchor) is anchor:
            last_in_pincode[place.pincode] = place
        last_in_area[area] = place
        place.next, anchor.next = anchor.next, place
        if anchor is tail:
            tail = place
    route = []
    place = head.next
    while place is not None:
        route.append(place)
        place = place.next
    return route


def _renumber(zone_id: int, route: list[_Place]) -> None:
    """Give the zone's stored stops their positions in route (the joining households are not stored yet).

    Positions are unique in a zone, and SQLite and PostgreSQL check that row by row; so the stops that move first
    go out of the way, beyond every position in use, then to their places: two statements however many move."""
    moves = [(place.position, final) for final, place in enumerate(route, start=1) if place.position is not None]
    changed = [current for current, final in moves if current != final]
    if not changed:
        return
    first = min(changed)
    offset = max(len(route), max(current for current, _ in moves)) + 1
    # Stretches of stops (in route order, which is their present order) that move by the same amount.
    runs: list[tuple[int, int]] = []  # (the stretch's last present position, its shift)
    for current, final in moves:
        if current < first:
            continue
        if runs and runs[-1][1] == final - current:
            runs[-1] = (current, final - current)
        else:
            runs.append((current, final - current))
    stops = RouteStop.objects.filter(zone_id=zone_id)
    stops.filter(position__gte=first).update(position=F("position") + offset)
    stops.filter(position__gt=offset).update(
        position=Case(
            *[When(position__lte=last + offset, then=F("position") + (shift - offset)) for last, shift in runs],
            default=F("position"),
            output_field=RouteStop._meta.get_field("position"),
        )
    )


def _address_order(delivery: Delivery) -> tuple:
    order = delivery.order
    return (order.pincode, order.area, order.address_line1, order.pk)


def route_stops_ensure(*, deliveries: Iterable[Delivery]) -> list[RouteStop]:
    """Give each household among these deliveries a stop in its zone's route if it has none there; returns the new
    stops. Deliveries without a zone are left out; each delivery's order gives its PIN code and area.

    Queries do not grow with the deliveries: one to find the households without a stop; then, if there are any,
    a lock, a read, two updates per zone they join and one insert. Several households joining at once go in by
    PIN code, area and street address."""
    joining: dict[int, dict[int, _Place]] = {}
    for delivery in sorted((delivery for delivery in deliveries if delivery.zone_id), key=_address_order):
        order = delivery.order
        households = joining.setdefault(delivery.zone_id, {})
        households.setdefault(delivery.user_id, _Place(delivery.user_id, order.pincode, order.area))
    users = {user_id for households in joining.values() for user_id in households}
    if not users:
        return []
    placed = RouteStop.objects.filter(zone_id__in=joining, user_id__in=users).values_list("zone_id", "user_id")
    for zone_id, user_id in placed:
        joining[zone_id].pop(user_id, None)
    joining = {zone_id: households for zone_id, households in joining.items() if households}
    if not joining:
        return []
    with transaction.atomic():
        _zones_lock(joining)
        # Read again under the lock: another checkout in the zone may have placed some of them meanwhile.
        stops: dict[int, list[_Place]] = {zone_id: [] for zone_id in joining}
        for zone_id, user_id, position, pincode, area in (
            RouteStop.objects.filter(zone_id__in=joining)
            .order_by("zone_id", "position")
            .values_list("zone_id", "user_id", "position", "pincode", "area")
        ):
            stops[zone_id].append(_Place(user_id, pincode, area, position))
        created = []
        for zone_id, households in joining.items():
            present = {place.user_id for place in stops[zone_id]}
            newcomers = [place for user_id, place in households.items() if user_id not in present]
            if not newcomers:
                continue
            route = _join(stops[zone_id], newcomers)
            _renumber(zone_id, route)
            created += [
                RouteStop(
                    zone_id=zone_id, user_id=place.user_id, position=final, pincode=place.pincode, area=place.area
                )
                for final, place in enumerate(route, start=1)
                if place.position is None
            ]
        return RouteStop.objects.bulk_create(created)


def route_stops_add_missing(*, zone: DeliveryZone, by: User | None) -> list[RouteStop]:
    """Give a stop to each household that has deliveries in the zone but no place in its route (households that
    ordered before routes were kept), placed by the address of their latest delivery."""
    _may_reorder(by)
    has_stop = RouteStop.objects.filter(zone=OuterRef("zone"), user=OuterRef("user"))
    latest = Delivery.objects.filter(zone=zone, user=OuterRef("user")).order_by("-delivery_date", "-pk").values("pk")
    deliveries = (
        Delivery.objects.filter(zone=zone)
        .exclude(Exists(has_stop))
        .filter(pk=Subquery(latest[:1]))
        .select_related("order")
    )
    return route_stops_ensure(deliveries=list(deliveries))


# Staff reordering


def _locked_stop(stop: RouteStop) -> RouteStop:
    _zones_lock([stop.zone_id])
    locked = RouteStop.objects.select_related("user", "zone").filter(pk=stop.pk).first()
    if locked is None:
        raise RouteError("That stop is no longer in the route.")
    return locked


def _park(stop: RouteStop) -> None:
    """Out of every other stop's way: positions start at 1."""
    RouteStop.objects.filter(pk=stop.pk).update(position=0)


def route_stop_move(*, stop: RouteStop, direction: str, by: User | None) -> RouteStop:
    """Swap a stop with the one before it (up) or after it (down) in its zone's route."""
    if direction not in (UP, DOWN):
        raise RouteError("Move a stop up or down.")
    _may_reorder(by)
    with transaction.atomic():
        stop = _locked_stop(stop)
        others = RouteStop.objects.filter(zone_id=stop.zone_id)
        if direction == UP:
            neighbour = others.filter(position__lt=stop.position).order_by("-position").first()
        else:
            neighbour = others.filter(position__gt=stop.position).order_by("position").first()
        if neighbour is None:
            end = "first" if direction == UP else "last"
            raise RouteError(f"{stop.user.name or stop.user} is already the {end} stop of the {stop.zone} route.")
        _park(stop)
        RouteStop.objects.filter(pk=neighbour.pk).update(position=stop.position)
        RouteStop.objects.filter(pk=stop.pk).update(position=neighbour.position)
        stop.position = neighbour.position
    return stop


def route_stop_place(*, stop: RouteStop, position: int, by: User | None) -> RouteStop:
    """Move a stop to a position in its zone's route; the stops in between move up or down by one."""
    _may_reorder(by)
    with transaction.atomic():
        stop = _locked_stop(stop)
        others = RouteStop.objects.filter(zone_id=stop.zone_id)
        extent = others.aggregate(count=Count("pk"), last=Max("position"))
        count = extent["count"]
        if not 1 <= position <= count:
            raise RouteError(f"Choose a stop number from 1 to {count}.")
        if position == stop.position:
            return stop
        _park(stop)
        if position < stop.position:
            between, shift = others.filter(position__gte=position, position__lt=stop.position), 1
        else:
            between, shift = others.filter(position__gt=stop.position, position__lte=position), -1
        offset = extent["last"] + 1
        between.update(position=F("position") + offset)
        others.filter(position__gt=offset).update(position=F("position") + (shift - offset))
        RouteStop.objects.filter(pk=stop.pk).update(position=position)
        stop.position = position
    return stop
