"""Delivery slots: a local date plus a named window from settings, with a change cutoff the evening before."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format


def _clock(value: str) -> time:
    return time.fromisoformat(value)


def slot_names() -> list[str]:
    return list(settings.DELIVERY_SLOTS)


def local_now() -> datetime:
    return timezone.localtime()


@dataclass(frozen=True, order=True)
class DeliverySlot:
    date: date
    name: str

    def __post_init__(self):
        if self.name not in settings.DELIVERY_SLOTS:
            raise ValueError(f"Unknown delivery slot {self.name!r}.")

    @property
    def window(self) -> tuple[time, time]:
        start, end = settings.DELIVERY_SLOTS[self.name]
        return _clock(start), _clock(end)

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date, self.window[0]))

    @property
    def cutoff(self) -> datetime:
        """Orders and changes for this slot close at the cutoff time on the evening before."""
        return timezone.make_aware(datetime.combine(self.date - timedelta(days=1), _clock(settings.DELIVERY_CUTOFF)))

    def is_open(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) < self.cutoff

    @property
    def key(self) -> str:
        return f"{self.date.isoformat()}:{self.name}"

    @property
    def window_label(self) -> str:
        start, end = self.window
        return f"{self.name.title()} {start:%H:%M}–{end:%H:%M}"

    @property
    def label(self) -> str:
        return f"{date_format(self.date, 'D j M')}, {self.window_label}"

    def __str__(self):
        return self.label

    @classmethod
    def from_key(cls, key: str) -> "DeliverySlot":
        day, _, name = (key or "").partition(":")
        return cls(date=date.fromisoformat(day), name=name)

    @classmethod
    def starting_at(cls, moment: datetime) -> "DeliverySlot":
        """The slot that starts exactly at this moment (the API names slots by their start)."""
        local = timezone.localtime(moment if timezone.is_aware(moment) else timezone.make_aware(moment))
        for name, (start, _end) in settings.DELIVERY_SLOTS.items():
            if local.time() == _clock(start):
                return cls(date=local.date(), name=name)
        raise ValueError("No delivery slot starts at that time.")


def upcoming_slots(now: datetime | None = None) -> list[DeliverySlot]:
    """Every slot of the coming days that is still before its cutoff."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    slots = [
        DeliverySlot(date=today + timedelta(days=offset), name=name)
        for offset in range(settings.DELIVERY_DAYS_AHEAD + 1)
        for name in slot_names()
    ]
    return [slot for slot in slots if slot.is_open(now)]
