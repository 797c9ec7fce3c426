from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models import Q

from accounts.managers import UserManager
from accounts.validators import validate_phone, validate_pincode

STAFF_GROUP = "Staff"
RIDERS_GROUP = "Riders"


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150)
    phone = models.CharField(max_length=16, blank=True, validators=[validate_phone])
    is_staff = models.BooleanField(default=False, help_text="Can log in to the admin site.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def is_rider(self) -> bool:
        return self.groups.filter(name=RIDERS_GROUP).exists()


class Address(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=40, blank=True, help_text="Home, Office…")
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    area = models.CharField(max_length=100)
    city = models.CharField(max_length=100)
    pincode = models.CharField("PIN code", max_length=6, validators=[validate_pincode])
    landmark = models.CharField(max_length=150, blank=True)
    instructions = models.CharField("delivery instructions", max_length=300, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "addresses"
        ordering = ["-is_default", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(is_default=True), name="one_default_address_per_user"),
        ]

    def __str__(self):
        return ", ".join(part for part in [self.line1, self.line2, self.area, f"{self.city} {self.pincode}"] if part)
