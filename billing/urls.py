from django.urls import path

from billing import views, views_statements

app_name = "billing"

urlpatterns = [
    path("monthly/", views.account, name="account"),
    path("monthly/cash/<int:customer_id>/", views.rider_take_payment, name="rider_take_payment"),
    path("statements/<int:statement_id>.pdf", views_statements.statement_pdf, name="statement_pdf"),
]
