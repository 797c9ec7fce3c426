from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from milkshop import views
from milkshop.api import api
from milkshop.observability import views as observability_views

admin.site.site_header = "Milkshop administration"
admin.site.site_title = "Milkshop admin"

urlpatterns = [
    path("", include("catalog.urls")),
    path("cart/", include("cart.urls")),
    path("", include("orders.urls")),
    path("payments/", include("payments.urls")),
    path("", include("delivery.urls")),
    path("subscriptions/", include("subscriptions.urls")),
    path("notifications/", include("notifications.urls")),
    path("staff/reports/", include("analytics.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("metrics", observability_views.metrics, name="metrics"),
    path("api/", api.urls),
    path("_allauth/", include("allauth.headless.urls")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("account/", include("billing.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
