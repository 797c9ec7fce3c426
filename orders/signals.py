from django.dispatch import Signal

# All are sent after the transaction that made the change commits; kwargs: order_id.
order_placed = Signal()
order_confirmed = Signal()
order_cancelled = Signal()
order_status_changed = Signal()  # kwargs: order_id, from_status, to_status
