"""Invoice PDFs: rendered once from an HTML template with WeasyPrint, then kept in the private invoice storage."""

import secrets

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
    """The stored invoice, made on first request, and made again when its file is not there (another host's folder,
    a folder wiped); its name still carries a random part, in case the folder is ever exposed by mistake."""
    if not order.invoice or not order.invoice.storage.exists(order.invoice.name):
        name = f"invoice-{order.number}-{secrets.token_urlsafe(24)}.pdf"
        order.invoice.save(name, ContentFile(invoice_pdf(order=order)), save=False)
        Order.objects.filter(pk=order.pk).update(invoice=order.invoice.name)
    return order.invoice
