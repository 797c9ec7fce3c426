from django.urls import path

from subscriptions import views

app_name = "subscriptions"

urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("new/<slug:slug>/", views.subscribe, name="new"),
    path("new/<slug:slug>/preview/", views.subscribe_preview, name="preview"),
    path("<int:subscription_id>/status/", views.subscription_status, name="status"),
    path("<int:subscription_id>/days/<str:day>/", views.subscription_day, name="day"),
    path("<int:subscription_id>/vacations/", views.subscription_vacation, name="vacation"),
    path(
        "<int:subscription_id>/vacations/<int:vacation_id>/end/", views.subscription_vacation_end, name="vacation_end"
    ),
]
