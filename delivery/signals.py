from django.dispatch import Signal

# Sent after the transaction that changed a delivery's status commits.
# kwargs: delivery_id, order_id, from_status, to_status
delivery_updated = Signal()
