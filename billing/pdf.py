"""PDFs of the shop's documents, drawn from HTML templates by WeasyPrint.

Names in Devanagari and Kannada are drawn with the Noto Sans fonts vendored in static/fonts (from npm's
@fontsource packages, OFL); Latin text and ₹ with DejaVu Sans, which WeasyPrint needs anyway."""

from django.conf import settings
from django.template.loader import render_to_string

FONTS_DIR = settings.BASE_DIR / "static" / "fonts"


def pdf_render(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # slow to import: only when a PDF is actually made

    html = render_to_string(template, {"fonts_dir": FONTS_DIR.as_uri(), "shop": shop_details(), **context})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def shop_details() -> dict:
    from billing.states import GST_STATES

    return {
        "name": settings.SHOP_NAME,
        "legal_name": settings.SHOP_LEGAL_NAME,
        "address": settings.SHOP_ADDRESS,
        "gstin": settings.SHOP_GSTIN,
        "state_code": settings.SHOP_STATE_CODE,
        "state": GST_STATES.get(settings.SHOP_STATE_CODE, settings.SHOP_STATE_CODE),
    }
