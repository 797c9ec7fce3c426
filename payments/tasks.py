from payments.services import refund_send


def send_refund(refund_id: int) -> None:
    refund_send(refund_id=refund_id)
