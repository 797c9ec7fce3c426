from django.dispatch import Signal

# Sent after the transaction that changed a delivery's status commits.
# kwargs: delivery_id, order_id, from_status, to_status
delivery_updated = Signal()

# Sent after the transaction that recorded (or recounted) the cash a rider handed over commits.
# kwargs: round_id, rider_id, date, variance (Decimal: handed over minus collected)
round_counted = Signal()

# Sent after the transaction that closed a rider's round commits.
# kwargs: round_id, rider_id, date, variance
round_closed = Signal()
