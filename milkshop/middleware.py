from django.core.exceptions import BadRequest


class RejectNulBytesMiddleware:
    """A URL path with a NUL byte (%00) is a bad request.

    No page of the shop takes one, and PostgreSQL cannot compare text with it: /orders/%00/ or /track/%00/ would
    otherwise reach a lookup by order number or token and end as a server error (psycopg's DataError). Query
    strings and bodies go through forms and the API's schemas, which refuse NUL as invalid input themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise BadRequest("NUL byte in the URL.")
        return self.get_response(request)
