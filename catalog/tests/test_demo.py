import io

import pytest
from django.core.management import call_command

from catalog.models import Category, Product

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_dairy_catalog_with_pictures_and_is_idempotent(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    first_run, second_run = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=first_run)
    call_command("seed_demo", stdout=second_run)

    assert "0 products added" not in first_run.getvalue()
    assert "(0 products added)" in second_run.getvalue()
    assert Category.objects.count() >= 5
    assert Product.objects.count() >= 20
    assert Product.objects.filter(name="Buffalo Milk", unit="1 L").exists()
    assert Product.objects.filter(subscribable=True).exists()
    assert Product.objects.filter(stock=0).exists()
    first = Product.objects.first()
    assert first.image and (tmp_path / first.image.name).read_bytes().startswith(b"\x89PNG")
