from django.urls import path, re_path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.reports, name="reports"),
    re_path(r"^export/(?P<key>[a-z-]+)\.(?P<format>csv|json)$", views.export, name="export"),
    path("gst-summary.csv", views.gst_summary_month, name="gst_summary_month"),
    re_path(
        r"^daily/(?P<day>\d{4}-\d{2}-\d{2})/(?P<filename>[a-z-]+\.(?:csv|json))$",
        views.daily_report_file,
        name="daily_report_file",
    ),
]
