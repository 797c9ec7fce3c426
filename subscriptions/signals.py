from django.dispatch import Signal

# Sent after the change commits; kwargs: subscription_id (and from_status, to_status for status changes).
subscription_created = Signal()
subscription_status_changed = Signal()
# kwargs: subscription_id, date (ISO), reason.
subscription_order_skipped = Signal()
# kwargs: day (ISO), order_ids — one per chunk of generated orders.
subscription_orders_generated = Signal()
# kwargs: user_id, balance, needed (strings).
wallet_low_balance = Signal()
