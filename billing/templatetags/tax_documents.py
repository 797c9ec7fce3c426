from django import template

from billing.documents import document_interstate, rate_summary

register = template.Library()


@register.filter
def gst_rate_summary(document) -> list[dict]:
    """The document's lines summed by GST rate: taxable value, CGST, SGST, IGST and total."""
    return rate_summary(lines=list(document.lines.all()))


@register.filter
def gst_interstate(document) -> bool:
    return document_interstate(document=document)
