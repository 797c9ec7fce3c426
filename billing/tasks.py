"""Thin django-q2 tasks for the monthly accounts, run by the schedules billing's migrations make."""

import logging

from django.utils import timezone

from billing.selectors import previous_month
from billing.statements import statements_make, statements_make_again_if_late, statements_remind_overdue

logger = logging.getLogger(__name__)


def make_monthly_statements() -> str:
    """On the 1st: the statements of the month just ended. Late or twice, it makes nothing more (statements_make
    only makes what the ledger changed)."""
    run = statements_make(month_start=previous_month(timezone.localdate()))
    logger.info("%s", run)
    return str(run)


def remind_overdue_statements() -> int:
    """Daily: months whose ledger changed after their statement are made again, then reminders go out for
    statements past their due date (once per stage)."""
    for run in statements_make_again_if_late():
        logger.info("%s", run)
    return statements_remind_overdue(today=timezone.localdate())
