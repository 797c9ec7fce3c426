"""Start-up checks for the observability settings."""

import ipaddress
import os

from django.conf import settings
from django.core.checks import Error, register

from milkshop.observability.metrics import MULTIPROC_DIR_VARIABLE


@register()
def metrics_settings_check(app_configs, **kwargs):
    errors = []
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"METRICS_ALLOWED_IPS has {entry!r}, which is neither an IP address nor a network.",
                    hint="Use comma-separated addresses or CIDR ranges, e.g. 10.0.0.5,10.1.0.0/16.",
                    id="observability.E001",
                )
            )
    path = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if path and not os.path.isdir(path):
        errors.append(
            Error(
                f"{MULTIPROC_DIR_VARIABLE} is {path!r}, which is not a directory.",
                hint="Create it (empty) before starting gunicorn and qcluster, or unset it.",
                id="observability.E002",
            )
        )
    return errors
