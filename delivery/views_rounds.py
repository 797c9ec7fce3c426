"""The rider's end of the round: the cash collected against the cash due, and how the handover stands."""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from delivery.forms import DayForm
from delivery.rounds import HISTORY_DAYS, rider_round_history, round_for
from delivery.views import rider_required


@rider_required
@require_GET
def rider_cash(request: HttpRequest) -> HttpResponse:
    """The rider's own cash for a day, order by order, the handover's status, and their last 30 days."""
    day = DayForm(request.GET).day()
    context = {
        "sheet": round_for(rider=request.user, day=day),
        "history": rider_round_history(rider=request.user),
        "history_days": HISTORY_DAYS,
        "day": day,
        "today": timezone.localdate(),
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
    }
    return render(request, "delivery/rider_cash.html", context)
