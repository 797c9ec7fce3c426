from orders.workflows import refund_settle
from payments.services import payment_expire_checkout


def send_refund(refund_id: int) -> None:
    refund_settle(refund_id=refund_id)


def expire_checkout(payment_id: int) -> None:
    payment_expire_checkout(payment_id=payment_id)
