from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="list"),
    path("orders/<str:number>/", views.order_detail, name="detail"),
    path("orders/<str:number>/cancel/", views.order_cancel_view, name="cancel"),
    path("orders/<str:number>/pay/", views.order_pay, name="pay"),
    path("orders/<str:number>/again/", views.order_again_view, name="again"),
    path("orders/<str:number>/invoice/", views.order_invoice, name="invoice"),
    path("documents/<path:number>/", views.document_download, name="document"),
]
