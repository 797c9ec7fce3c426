import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("containers", "0001_container_types"),
        ("delivery", "0004_proofs_routes_rider_updates_and_rounds"),
        ("orders", "0005_invoices_in_private_storage"),
        ("payments", "0003_wallet_entry_deposit_refund"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ContainerMovement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("ISSUED", "Issued"),
                            ("RETURNED", "Returned"),
                            ("COUNTED", "Counted"),
                            ("LOST", "Lost or broken"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "quantity",
                    models.IntegerField(
                        help_text="Containers added to what the customer holds (negative: taken back)."
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "delivery",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="delivery.delivery",
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orders.order",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="container_movements",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "container_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="movements",
                        to="containers.containertype",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["user", "container_type"], name="containers__user_id_d8d1b4_idx"),
                    models.Index(fields=["delivery"], name="containers__deliver_474672_idx"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("quantity", 0), _negated=True), name="container_movement_not_zero"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("kind", "COUNTED"),
                            models.Q(("kind", "ISSUED"), ("quantity__gt", 0)),
                            ("quantity__lt", 0),
                            _connector="OR",
                        ),
                        name="container_movement_sign_fits_kind",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ContainerBalance",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("held", models.PositiveIntegerField(default=0)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="container_balances",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "container_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="balances",
                        to="containers.containertype",
                    ),
                ),
            ],
            options={
                "ordering": ["user__name", "container_type__name"],
                "constraints": [
                    models.UniqueConstraint(fields=("user", "container_type"), name="one_container_balance_per_type"),
                    models.CheckConstraint(condition=models.Q(("held__gte", 0)), name="containers_held_not_negative"),
                ],
            },
        ),
        migrations.CreateModel(
            name="DepositRelease",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("REFUNDED", "Credited to the wallet"), ("KEPT", "Kept for lost containers")],
                        max_length=10,
                    ),
                ),
                ("qty", models.PositiveIntegerField()),
                ("amount", models.DecimalField(decimal_places=2, max_digits=10)),
                ("note", models.CharField(blank=True, max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "container_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="containers.containertype"
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        blank=True,
                        help_text="The order whose delivery settled it.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orders.order",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deposit_releases",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "wallet_entry",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deposit_release",
                        to="payments.walletentry",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [models.Index(fields=["user", "container_type"], name="containers__user_id_6550e9_idx")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("qty__gte", 1)), name="deposit_release_qty_at_least_one"
                    ),
                    models.CheckConstraint(condition=models.Q(("amount__gte", 0)), name="deposit_release_not_negative"),
                ],
            },
        ),
        migrations.CreateModel(
            name="OrderDeposit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("container_name", models.CharField(max_length=80)),
                ("qty", models.PositiveIntegerField()),
                ("unit_deposit", models.DecimalField(decimal_places=2, max_digits=8)),
                ("amount", models.DecimalField(decimal_places=2, max_digits=10)),
                (
                    "container_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="containers.containertype"
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="deposits", to="orders.order"
                    ),
                ),
            ],
            options={
                "ordering": ["container_name", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("order", "container_type"), name="one_deposit_per_order_and_container"
                    ),
                    models.CheckConstraint(condition=models.Q(("qty__gte", 1)), name="order_deposit_qty_at_least_one"),
                    models.CheckConstraint(condition=models.Q(("amount__gte", 0)), name="order_deposit_not_negative"),
                ],
            },
        ),
    ]
