from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("addresses/new/", views.address_create, name="address_create"),
    path("addresses/<int:address_id>/edit/", views.address_update, name="address_update"),
    path("addresses/<int:address_id>/delete/", views.address_remove, name="address_delete"),
    path("addresses/<int:address_id>/default/", views.address_make_default, name="address_make_default"),
]
