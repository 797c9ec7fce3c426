"""What billing tells the rest of the shop. Sent while the change's transaction may still be open: receivers act
after it commits (transaction.on_commit)."""

from django.dispatch import Signal

# kwargs: payment_id — a payment towards a monthly account was counted in its ledger.
account_payment_received = Signal()

# kwargs: statement_id — a statement (or a new version of one) was made.
statement_issued = Signal()

# kwargs: statement_id, stage (1, 2, 3: 1, 7 and 14 days past its due date), day (ISO date of the reminder run) —
# a statement is overdue.
statement_overdue = Signal()
