from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("", views.payment_history, name="history"),
    path("wallet/", views.wallet, name="wallet"),
    path("demo/<uuid:key>/", views.demo_checkout, name="demo_checkout"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
