from django.urls import path

from delivery import views

app_name = "delivery"

urlpatterns = [
    path("rider/", views.rider, name="rider"),
    path("rider/deliveries/<int:delivery_id>/", views.rider_move, name="rider_move"),
    path("rider/pickup/", views.rider_pickup, name="rider_pickup"),
    path("orders/<str:number>/delivery/", views.order_delivery, name="order_delivery"),
    path("track/<str:token>/", views.track, name="track"),
    path("staff/manifest/", views.manifest, name="manifest"),
]
