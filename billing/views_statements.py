"""The customer's own statements: their PDFs (another customer's statement is not found)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from billing.models import Statement
from billing.selectors import statement_for_user
from billing.statements import statement_pdf_file


@login_required
@require_GET
def statement_pdf(request: HttpRequest, statement_id: int) -> FileResponse:
    try:
        statement = statement_for_user(user=request.user, statement_id=statement_id)
    except Statement.DoesNotExist as error:
        raise Http404("No such statement.") from error
    suffix = f"-v{statement.version}" if statement.version > 1 else ""
    return FileResponse(
        statement_pdf_file(statement=statement).open("rb"),
        as_attachment=True,
        filename=f"statement-{statement.period_start:%Y-%m}{suffix}.pdf",
        content_type="application/pdf",
    )
