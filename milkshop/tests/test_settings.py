"""Start-up with production variables: secrets are required by name, and the deploy checklist is clean."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-for-the-deploy-check-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
    "ALLOWED_HOSTS": "shop.example.in",
    "EMAIL_HOST": "smtp.example.in",
    "SHOP_GSTIN": "29AAICM1234F1ZM",
}
NOT_FOR_DEPLOYMENT = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args, **env):
    clean = {key: value for key, value in os.environ.items() if key not in PRODUCTION and key not in NOT_FOR_DEPLOYMENT}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_start_up_without_secret_key_names_it():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_start_up_without_allowed_hosts_names_it():
    result = manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": ""})

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_start_up_without_email_host_names_it():
    result = manage("check", **{**PRODUCTION, "EMAIL_HOST": ""})

    assert result.returncode != 0
    assert "EMAIL_HOST must be set" in result.stderr


def test_production_start_up_without_the_shops_gstin_names_it():
    result = manage("check", **{**PRODUCTION, "SHOP_GSTIN": ""})

    assert result.returncode != 0
    assert "SHOP_GSTIN must be set when DEBUG is off" in result.stderr


def test_a_gstin_with_a_wrong_check_character_is_refused_at_start_up():
    result = manage("check", **{**PRODUCTION, "SHOP_GSTIN": "29AAICM1234F1ZK"})

    assert result.returncode != 0
    assert "SHOP_GSTIN '29AAICM1234F1ZK' is not a GSTIN: its check character should be M" in result.stderr


def test_the_shops_state_is_the_one_its_gstin_names():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SHOP_STATE_CODE)",
        **{**PRODUCTION, "SHOP_GSTIN": "27AAPFU0939F1ZV"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "27"


def test_deploy_check_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_demo_payment_gateway_cannot_run_in_production():
    result = manage("check", **PRODUCTION, PAYMENTS_DEMO_GATEWAY="true")

    assert result.returncode != 0
    assert "payments.E001" in result.stderr
