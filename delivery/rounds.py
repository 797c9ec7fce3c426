"""A rider's round: the cash collected at the doors on a day, staff's count of what the rider handed over, its
variance, and the round's close. Every rule about rounds is checked here, once; the rider's page, the admin and
the reports call these.

Who may do what: staff count the cash, acknowledge variances and close rounds, never their own; a rider reads
only their own round. A round's row is made the first time staff count a rider's day; until then the day's
figures come from the deliveries alone. A closed round does not change again, and no delivery of that day is
given to its rider any more (delivery.services.delivery_assign refuses it).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from delivery.models import (
    ACTIVE_STATUSES,
    Delivery,
    DeliveryStatus,
    RiderRound,
    RiderRoundCount,
    cash_due_for,
    variance_label,
)
from delivery.selectors import rider_day
from delivery.signals import round_closed, round_counted
from milkshop.money import format_money
from payments.models import Payment, PaymentMethod, PaymentPurpose, PaymentStatus

ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("99999999.99")  # what the amount columns hold (10 digits, 2 of them paise)
HISTORY_DAYS = 30


class RoundError(Exception):
    """A change to a round that cannot be made; the message is for the staff member or rider."""


class RoundNotAllowed(RoundError):
    """The caller may not make this change."""


def _day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


# Reading


@dataclass(frozen=True)
class CashLine:
    """One cash-on-delivery order of the day: what the rider was to collect and what they did."""

    delivery: Delivery
    due: Decimal
    collected: Decimal

    @property
    def order(self):
        return self.delivery.order

    @property
    def is_off(self) -> bool:
        """Finished with other cash than was due (the workflow takes exact cash, so this flags a record gone wrong)."""
        return not self.delivery.is_active and self.collected != self.due


def _due(delivery: Delivery) -> Decimal:
    """Cash due at the door: the order's total for cash on delivery that was delivered or is still on the road;
    nothing for a failed or cancelled one."""
    if delivery.status == DeliveryStatus.DELIVERED:
        return delivery.order.total_amount if delivery.order.payment_method == PaymentMethod.CASH else ZERO
    if delivery.is_active:
        return cash_due_for(delivery.order)
    return ZERO


@dataclass(frozen=True)
class RoundSheet:
    """A rider's day as the cash goes: each cash order, the totals, and the round's count and close, if any."""

    rider: User
    day: date
    round: RiderRound | None
    lines: list[CashLine]
    deliveries: int
    on_the_road: int
    # Cash the rider took that day towards households' monthly accounts (Payment rows, oldest first).
    account_payments: list = field(default_factory=list)

    @property
    def due(self) -> Decimal:
        return sum((line.due for line in self.lines), ZERO)

    @property
    def account_cash(self) -> Decimal:
        return sum((payment.amount for payment in self.account_payments), ZERO)

    @property
    def collected(self) -> Decimal:
        """What the rider holds and hands over: cash at the doors and cash paid towards monthly accounts."""
        return sum((line.collected for line in self.lines), ZERO) + self.account_cash

    @property
    def still_to_collect(self) -> Decimal:
        return sum((line.due for line in self.lines if line.delivery.is_active), ZERO)

    @property
    def is_counted(self) -> bool:
        return self.round is not None and self.round.is_counted

    @property
    def is_closed(self) -> bool:
        return self.round is not None and self.round.is_closed

    @property
    def count_is_stale(self) -> bool:
        """Cash was collected (or its record changed) after the count: it has to be counted again."""
        return self.is_counted and self.round.cash_collected != self.collected

    @property
    def status(self) -> str:
        if self.is_closed:
            return "closed"
        if self.is_counted:
            return "counted"
        return "waiting"

    @property
    def status_label(self) -> str:
        if self.is_closed:
            return "Closed"
        if self.is_counted:
            return f"Counted: {format_money(self.round.cash_handed_over)} handed over"
        return "Waiting to be counted"


def round_for(*, rider: User, day: date) -> RoundSheet:
    """A rider's cash for a day: every cash-on-delivery order (and any that collected cash) as the rider page
    lists them, with the round if staff have counted it, and its counts."""
    deliveries = [delivery for run in rider_day(rider=rider, day=day).runs for delivery in run.deliveries]
    lines = [
        CashLine(delivery=delivery, due=_due(delivery), collected=delivery.cash_collected)
        for delivery in deliveries
        if delivery.order.payment_method == PaymentMethod.CASH or delivery.cash_collected
    ]
    found = (
        RiderRound.objects.filter(rider=rider, date=day)
        .select_related("counted_by", "variance_acknowledged_by", "closed_by")
        .prefetch_related("counts__counted_by")
        .first()
    )
    return RoundSheet(
        rider=rider,
        day=day,
        round=found,
        lines=lines,
        deliveries=len(deliveries),
        on_the_road=sum(1 for delivery in deliveries if delivery.is_active),
        account_payments=list(_account_cash(riders=[rider], since=day, until=day).select_related("user")),
    )


def _account_cash(*, riders, since: date, until: date):
    """Cash riders took towards monthly accounts, on local days since..until (a payment counts on the day taken)."""
    return Payment.objects.filter(
        purpose=PaymentPurpose.ACCOUNT,
        method=PaymentMethod.CASH,
        status__in=[PaymentStatus.SUCCESS, PaymentStatus.REFUNDED],
        received_by__in=riders,
        created_at__date__range=(since, until),
    ).order_by("created_at", "pk")


def _account_cash_by_day(*, riders, since: date, until: date) -> dict[tuple[int, date], Decimal]:
    rows = (
        _account_cash(riders=riders, since=since, until=until)
        .annotate(day=TruncDate("created_at"))
        .values("received_by", "day")
        .annotate(total=Sum("amount"))
        .values_list("received_by", "day", "total")
        .order_by()
    )
    return {(rider_id, day): total for rider_id, day, total in rows}


@dataclass(frozen=True)
class RiderDaySummary:
    """One rider's day in the staff's list of the day's rounds."""

    rider: User
    deliveries: int
    on_the_road: int
    collected: Decimal
    round: RiderRound | None

    @property
    def count_is_stale(self) -> bool:
        return self.round is not None and self.round.is_counted and self.round.cash_collected != self.collected


def _collected_by_rider(deliveries) -> dict:
    return (
        deliveries.values("rider", "delivery_date")
        .annotate(
            deliveries=Count("pk"),
            on_the_road=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
            collected=Sum("cash_collected", filter=Q(status=DeliveryStatus.DELIVERED), default=ZERO),
        )
        .order_by()
    )


def rounds_of_day(*, day: date) -> list[RiderDaySummary]:
    """Every rider with deliveries on a day, with the cash they collected and their round if counted (three queries)."""
    rows = list(_collected_by_rider(Delivery.objects.filter(delivery_date=day, rider__isnull=False)))
    riders = User.objects.in_bulk([row["rider"] for row in rows])
    account_cash = _account_cash_by_day(riders=list(riders), since=day, until=day)
    rounds = {
        found.rider_id: found
        for found in RiderRound.objects.filter(date=day).select_related(
            "counted_by", "variance_acknowledged_by", "closed_by"
        )
    }
    summaries = [
        RiderDaySummary(
            rider=riders[row["rider"]],
            deliveries=row["deliveries"],
            on_the_road=row["on_the_road"],
            collected=row["collected"] + account_cash.get((row["rider"], day), ZERO),
            round=rounds.get(row["rider"]),
        )
        for row in rows
    ]
    return sorted(summaries, key=lambda summary: (summary.rider.name, summary.rider.pk))


@dataclass(frozen=True)
class HistoryDay:
    """A day of a rider's last weeks: what they collected, and the count and close of their round."""

    day: date
    collected: Decimal
    round: RiderRound | None

    @property
    def status_label(self) -> str:
        if self.round is None or not self.round.is_counted:
            return "Waiting to be counted"
        return "Closed" if self.round.is_closed else "Counted"


def rider_round_history(*, rider: User, today: date | None = None, days: int = HISTORY_DAYS) -> list[HistoryDay]:
    """The rider's own days with deliveries or a round in the last `days` days, newest first (two queries)."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days - 1)
    collected = defaultdict(lambda: ZERO)
    for row in _collected_by_rider(Delivery.objects.filter(rider=rider, delivery_date__range=(since, today))):
        collected[row["delivery_date"]] = row["collected"]
    for (_rider, day), total in _account_cash_by_day(riders=[rider], since=since, until=today).items():
        collected[day] += total
    rounds = {
        found.date: found
        for found in RiderRound.objects.filter(rider=rider, date__range=(since, today)).select_related("closed_by")
    }
    return [
        HistoryDay(day=day, collected=collected[day], round=rounds.get(day))
        for day in sorted(set(collected) | set(rounds), reverse=True)
    ]


# Writing


def _may_run_rounds(by: User | None, rider: User, *, doing: str, own: str) -> None:
    if by is None or not (by.is_active and by.is_staff):
        raise RoundNotAllowed(f"Only the shop's staff {doing}.")
    if by.pk == rider.pk:
        raise RoundNotAllowed(f"You cannot {own}: ask someone else on the staff.")


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip()) if value is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise RoundError("Enter the amount of cash handed over, in rupees (for example 1250.50).")
    if amount < 0:
        raise RoundError("The cash handed over cannot be a negative amount.")
    if amount != amount.quantize(Decimal("0.01")):
        raise RoundError("Give the cash handed over in rupees and paise: two decimal places at most.")
    if amount > MAX_AMOUNT:
        raise RoundError(f"{format_money(amount)} is more than a round can hold; check the amount.")
    return amount.quantize(Decimal("0.01"))


def _collected(rider: User, day: date) -> Decimal:
    at_doors = Delivery.objects.filter(rider=rider, delivery_date=day, status=DeliveryStatus.DELIVERED).aggregate(
        total=Sum("cash_collected", default=ZERO)
    )["total"]
    return at_doors + _collected_for_accounts(rider, day)


def _collected_for_accounts(rider: User, day: date) -> Decimal:
    return _account_cash(riders=[rider], since=day, until=day).aggregate(total=Sum("amount", default=ZERO))["total"]


def _locked(round: RiderRound) -> RiderRound:
    return RiderRound.objects.select_for_update().select_related("rider").get(pk=round.pk)


def _refuse_if_closed(locked: RiderRound) -> None:
    if locked.is_closed:
        raise RoundError(f"{locked.rider.name}'s round on {_day_label(locked.date)} is closed; it cannot change.")


def _announce(signal, locked: RiderRound) -> None:
    transaction.on_commit(
        partial(
            signal.send,
            sender=RiderRound,
            round_id=locked.pk,
            rider_id=locked.rider_id,
            date=locked.date,
            variance=locked.variance,
        )
    )


def round_record_handover(*, rider: User, day: date, amount, note: str = "", by: User) -> RiderRound:
    """Staff record the cash a rider handed over for a day, against what the deliveries say they collected.

    The difference (handed over minus collected) is the round's variance, and a variance needs a note. Counting
    again replaces the figures (every count is kept in RiderRoundCount) and calls for a fresh acknowledgement.
    """
    _may_run_rounds(by, rider, doing="count the cash riders hand over", own="count your own cash")
    amount = _amount(amount)
    note = (note or "").strip()
    if len(note) > 255:
        raise RoundError("Keep the note to 255 characters.")
    if not rider.is_rider:
        raise RoundError(f"{rider} is not a rider.")
    with transaction.atomic():
        exists = RiderRound.objects.filter(rider=rider, date=day).exists()
        if not exists and not Delivery.objects.filter(rider=rider, delivery_date=day).exists():
            raise RoundError(f"{rider.name} has no deliveries on {_day_label(day)}: there is no cash to count.")
        found, _ = RiderRound.objects.get_or_create(rider=rider, date=day)
        locked = _locked(found)
        _refuse_if_closed(locked)
        collected = _collected(rider, day)
        variance = amount - collected
        if variance and not note:
            raise RoundError(
                f"{format_money(amount)} handed over against {format_money(collected)} collected: "
                f"{variance_label(variance)}. Say what happened in the note."
            )
        now = timezone.now()
        locked.cash_collected = collected
        locked.cash_handed_over = amount
        locked.variance = variance
        locked.variance_note = note
        locked.counted_by = by
        locked.counted_at = now
        locked.variance_acknowledged_by = None
        locked.variance_acknowledged_at = None
        locked.save()
        RiderRoundCount.objects.create(
            round=locked,
            cash_collected=collected,
            cash_handed_over=amount,
            variance=variance,
            note=note,
            counted_by=by,
            counted_at=now,
        )
        _announce(round_counted, locked)
    return locked


def round_acknowledge_variance(*, round: RiderRound, by: User) -> RiderRound:
    """A staff member accepts the counted variance (short or over) so that the round can close."""
    _may_run_rounds(by, round.rider, doing="acknowledge variances", own="acknowledge your own variance")
    with transaction.atomic():
        locked = _locked(round)
        _refuse_if_closed(locked)
        whose = f"{locked.rider.name}'s round on {_day_label(locked.date)}"
        if not locked.is_counted:
            raise RoundError(f"{whose} has not been counted yet: there is no variance to acknowledge.")
        if not locked.variance:
            raise RoundError(f"{whose} has no variance to acknowledge: the cash handed over was exact.")
        if locked.is_acknowledged:
            raise RoundError(f"The variance of {whose} is already acknowledged.")
        locked.variance_acknowledged_by = by
        locked.variance_acknowledged_at = timezone.now()
        locked.save(update_fields=["variance_acknowledged_by", "variance_acknowledged_at", "updated_at"])
    return locked


def round_close(*, round: RiderRound, by: User) -> RiderRound:
    """Close a rider's round: every delivery of the day is over, the cash is counted against everything collected,
    and any variance is acknowledged. A closed round does not change again."""
    _may_run_rounds(by, round.rider, doing="close rounds", own="close your own round")
    with transaction.atomic():
        locked = _locked(round)
        _refuse_if_closed(locked)
        whose = f"{locked.rider.name}'s round on {_day_label(locked.date)}"
        # Read, not locked: the order lifecycle locks an order before its delivery, and a finished delivery does
        # not change again. A delivery given to this rider meanwhile waits for the round's lock (delivery_assign).
        deliveries = list(
            Delivery.objects.filter(rider=locked.rider, delivery_date=locked.date)
            .select_related("order")
            .order_by("pk")
        )
        on_the_road = [delivery.order.number for delivery in deliveries if delivery.is_active]
        if on_the_road:
            raise RoundError(
                f"{whose} cannot close: {len(on_the_road)} deliver{'y is' if len(on_the_road) == 1 else 'ies are'} "
                f"not finished (order {', '.join(on_the_road)}). Mark {'it' if len(on_the_road) == 1 else 'them'} "
                "delivered, failed or cancelled first."
            )
        if not locked.is_counted:
            raise RoundError(f"{whose} cannot close: count the cash {locked.rider.name} handed over first.")
        collected = sum(
            (d.cash_collected for d in deliveries if d.status == DeliveryStatus.DELIVERED),
            ZERO,
        ) + _collected_for_accounts(locked.rider, locked.date)
        if collected != locked.cash_collected:
            raise RoundError(
                f"{whose} cannot close: {format_money(collected)} was collected in all, but the cash was counted "
                f"against {format_money(locked.cash_collected)}. Count it again."
            )
        if locked.awaits_acknowledgement:
            raise RoundError(
                f"{whose} cannot close: its variance ({locked.variance_label}) is not acknowledged yet. "
                "Acknowledge it first."
            )
        locked.closed_by = by
        locked.closed_at = timezone.now()
        locked.save(update_fields=["closed_by", "closed_at", "updated_at"])
        _announce(round_closed, locked)
    return locked
