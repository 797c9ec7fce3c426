from orders.workflows import orders_cancel_unpaid


def cancel_unpaid_orders() -> int:
    return orders_cancel_unpaid()
