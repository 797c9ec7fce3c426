"""GST documents in the admin: read only (a document, once issued, never changes), each with its PDF."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from billing.documents import document_pdf_file
from billing.models import TaxDocument, TaxDocumentLine


class TaxDocumentLineInline(admin.TabularInline):
    model = TaxDocumentLine
    extra = 0
    can_delete = False
    fields = ["description", "hsn_code", "qty", "unit", "unit_price", "gst_rate", "taxable_value"]
    fields += ["cgst", "sgst", "igst", "total"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TaxDocument)
class TaxDocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "issued_at", "buyer_name", "total", "pdf_link"]
    list_filter = ["kind", "financial_year"]
    search_fields = ["number", "buyer_name", "order__number"]
    date_hierarchy = "issued_at"
    list_select_related = ["original"]
    inlines = [TaxDocumentLineInline]
    fields = [
        "kind",
        "number",
        "issued_at",
        "pdf_link",
        "original",
        "reason",
        "order",
        "statement",
        "user",
        "buyer_name",
        "buyer_address",
        "buyer_gstin",
        "place_of_supply",
        "taxable_value",
        "exempt_value",
        "cgst",
        "sgst",
        "igst",
        "total",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        download = self.admin_site.admin_view(self.pdf_view)
        return [path("<int:pk>/pdf/", download, name="billing_taxdocument_pdf"), *super().get_urls()]

    def pdf_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """Staff only (admin_view): any customer's document."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(TaxDocument, pk=pk)
        return FileResponse(
            document_pdf_file(document=document).open("rb"),
            as_attachment=True,
            filename=f"{document.number.replace('/', '-')}.pdf",
            content_type="application/pdf",
        )

    @admin.display(description="PDF")
    def pdf_link(self, document: TaxDocument) -> str:
        return format_html('<a href="{}">Download</a>', reverse("admin:billing_taxdocument_pdf", args=[document.pk]))
