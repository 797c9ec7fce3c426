from django.dispatch import Signal

# All are sent after the transaction that made the change commits; kwargs: payment_id.
payment_completed = Signal()
payment_failed = Signal()
payment_refunded = Signal()  # kwargs: payment_id, refund_id
