"""Invoice PDFs: rendered once from an HTML template with WeasyPrint, then kept in the media storage."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string

from orders.models import Order


def invoice_pdf(*, order: Order) -> bytes:
    from weasyprint import HTML  # slow to import: only when an invoice is actually made

    html = render_to_string("orders/invoice.html", {"order": order, "shop_name": settings.SHOP_NAME})
    return HTML(string=html).write_pdf()


def order_invoice_file(*, order: Order) -> FieldFile:
    """The stored invoice, made on first request."""
    if not order.invoice:
        order.invoice.save(f"invoice-{order.number}.pdf", ContentFile(invoice_pdf(order=order)), save=False)
        Order.objects.filter(pk=order.pk).update(invoice=order.invoice.name)
    return order.invoice
