import factory

from accounts.models import Address, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"customer{n}@example.in")
    name = factory.Faker("name", locale="en_IN")
    phone = factory.Sequence(lambda n: f"+9198{n:08d}")
    password = factory.django.Password(PASSWORD)


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    label = "Home"
    line1 = factory.Sequence(lambda n: f"House {n}, 5th Main Road")
    area = "Koramangala"
    city = "Bengaluru"
    pincode = "560034"
