from django.urls import path

from delivery import views, views_offline, views_proofs, views_rounds

app_name = "delivery"

urlpatterns = [
    path("rider/", views.rider, name="rider"),
    path("rider/deliveries/<int:delivery_id>/", views.rider_move, name="rider_move"),
    path("rider/pickup/", views.rider_pickup, name="rider_pickup"),
    path("rider/manifest.webmanifest", views_offline.rider_manifest, name="rider_manifest"),
    path("rider/sw.js", views_offline.rider_service_worker, name="rider_sw"),
    path("rider/cash/", views_rounds.rider_cash, name="rider_cash"),
    path("orders/<str:number>/delivery/", views.order_delivery, name="order_delivery"),
    path("orders/<str:number>/delivery/photo/", views_proofs.order_door_photo, name="order_door_photo"),
    path("track/<str:token>/", views.track, name="track"),
    path("staff/manifest/", views.manifest, name="manifest"),
    path("staff/deliveries/<int:delivery_id>/photo/", views_proofs.staff_door_photo, name="staff_door_photo"),
]
