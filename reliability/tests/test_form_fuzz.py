"""Bad input at every HTML form: hypothesis posts generated strings, numbers, unicode and huge values into each
form's fields, as the page's own owner would (the victim of test_object_access, a rider, staff or a visitor), with
and without htmx. No answer may be a server error.

Fields are read from the rendered page (htmlforms.py), so a form that gains a field is fuzzed on it too, and the
page's own options and buttons are mixed into the values so that some requests get past validation. A guard
checks that every URL taking a POST is fuzzed here or has no fields to fuzz.

The JSON API has its schemathesis pass in milkshop/tests/test_api_fuzz.py.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import PASSWORD
from billing.ledger import account_set_terms, is_postpaid
from billing.models import AccountKind
from cart.models import CartItem
from delivery.models import Delivery, DeliveryStatus
from delivery.services import delivery_assign
from delivery.tests.factories import delivery_in
from milkshop.tests.apiclient import ApiClient
from orders.tests.factories import cart_with
from payments.models import PaymentMethod
from reliability.tests.htmlforms import form_for
from reliability.tests.urlwalk import is_admin, routes, sample_url
from reliability.tests.world import World, build_world

pytestmark = pytest.mark.django_db

EXAMPLES = 30  # per form

EDGE_STRINGS = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "-0",
    "0x10",
    "1_000",
    "١٢",  # Arabic-Indic digits
    "１２",  # full-width digits
    "9" * 400,
    "2030-02-30",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "2026-13-01",
    "MORNING",
    "2030-01-01:NOON",
    ":",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\x00",
    "%00",
    "\u202e\u0000\ufeff",
    "😀" * 50,
    "x" * 100_000,
]
NASTY = st.one_of(
    st.sampled_from(EDGE_STRINGS),
    st.text(max_size=40),
    st.text(min_size=200, max_size=2000),
    st.integers().map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
)


@dataclass(frozen=True)
class FormSpec:
    name: str  # the URL name the form posts (or gets) to
    actor: str  # who uses the form: "visitor", "customer" (the victim), "rider" or "staff"
    page: Callable[[World], str]  # where the form is rendered
    action: Callable[[World], str] | None = None  # where it goes, if not the page itself
    method: str | None = None  # instead of the form's own (the subscribe form's fields also feed its live preview)
    prepare: Callable[[World], None] | None = None  # state the form needs, restored before every example

    @property
    def label(self) -> str:
        return f"{self.name} ({self.method})" if self.method else self.name


def a_cart_line(world: World) -> None:
    if not CartItem.objects.filter(cart__user=world.victim, product=world.product).exists():
        cart_with(world.victim, (world.product, 1))


def on_a_monthly_account(world: World) -> None:
    if not is_postpaid(user=world.victim):
        account_set_terms(user=world.victim, kind=AccountKind.POSTPAID, credit_limit="5000.00", by=world.staff)


def a_bill_to_take_on_the_round(world: World) -> None:
    """A delivery today, billed to the victim's monthly account, on the rider's round: its card offers the form."""
    on_a_monthly_account(world)
    billed = Delivery.objects.filter(user=world.victim, order__payment_method=PaymentMethod.POSTPAID).first()
    if billed is None:
        billed = delivery_in(DeliveryStatus.ASSIGNED, method=PaymentMethod.POSTPAID, today=True, user=world.victim)
    if billed.rider_id != world.today_delivery.rider_id:
        delivery_assign(delivery=billed, rider=world.today_delivery.rider, by=world.staff)


def sub(world: World) -> int:
    return world.subscription.pk


def a_day(world: World) -> str:
    return (world.subscription.start_date + timedelta(days=1)).isoformat()


SPECS = [
    FormSpec("account_signup", "visitor", lambda w: reverse("account_signup")),
    FormSpec("account_login", "visitor", lambda w: reverse("account_login")),
    FormSpec("admin:login", "visitor", lambda w: reverse("admin:login")),
    FormSpec("account_reset_password", "visitor", lambda w: reverse("account_reset_password")),
    FormSpec("account_change_password", "customer", lambda w: reverse("account_change_password")),
    FormSpec("account_email", "customer", lambda w: reverse("account_email")),
    FormSpec("accounts:profile", "customer", lambda w: reverse("accounts:profile")),
    FormSpec("accounts:address_create", "customer", lambda w: reverse("accounts:address_create")),
    FormSpec(
        "accounts:address_update", "customer", lambda w: reverse("accounts:address_update", args=[w.other_address.pk])
    ),
    FormSpec("catalog:catalog", "visitor", lambda w: reverse("catalog:catalog")),
    FormSpec(
        "cart:add",
        "visitor",
        lambda w: reverse("catalog:product", args=[w.product.slug]),
        lambda w: reverse("cart:add", args=[w.product.pk]),
    ),
    FormSpec(
        "cart:update",
        "customer",
        lambda w: reverse("cart:detail"),
        lambda w: reverse("cart:update", args=[w.product.pk]),
        prepare=a_cart_line,
    ),
    FormSpec("orders:checkout", "customer", lambda w: reverse("orders:checkout"), prepare=a_cart_line),
    FormSpec("subscriptions:new", "customer", lambda w: reverse("subscriptions:new", args=[w.product.slug])),
    FormSpec(
        "subscriptions:preview",
        "customer",
        lambda w: reverse("subscriptions:new", args=[w.product.slug]),
        lambda w: reverse("subscriptions:new", args=[w.product.slug]),
        method="get",
    ),
    FormSpec("subscriptions:day", "customer", lambda w: reverse("subscriptions:day", args=[sub(w), a_day(w)])),
    FormSpec(
        "subscriptions:status",
        "customer",
        lambda w: reverse("subscriptions:list"),
        lambda w: reverse("subscriptions:status", args=[sub(w)]),
    ),
    FormSpec(
        "subscriptions:vacation",
        "customer",
        lambda w: reverse("subscriptions:list"),
        lambda w: reverse("subscriptions:vacation", args=[sub(w)]),
    ),
    FormSpec(
        "subscriptions:vacation_end",
        "customer",
        lambda w: reverse("subscriptions:list"),
        lambda w: reverse("subscriptions:vacation_end", args=[sub(w), w.vacation.pk]),
    ),
    FormSpec("payments:wallet", "customer", lambda w: reverse("payments:wallet")),
    FormSpec(
        "payments:demo_checkout",
        "customer",
        lambda w: reverse("payments:demo_checkout", args=[w.payment.idempotency_key]),
    ),
    FormSpec("notifications:preferences", "customer", lambda w: reverse("notifications:preferences")),
    FormSpec("delivery:rider", "rider", lambda w: reverse("delivery:rider")),
    FormSpec(
        "delivery:rider_move",
        "rider",
        lambda w: reverse("delivery:rider"),
        lambda w: reverse("delivery:rider_move", args=[w.today_delivery.pk]),
    ),
    FormSpec(
        "delivery:rider_pickup",
        "rider",
        lambda w: reverse("delivery:rider"),
        lambda w: reverse("delivery:rider_pickup"),
    ),
    FormSpec("delivery:manifest", "staff", lambda w: reverse("delivery:manifest")),
    FormSpec("billing:account", "customer", lambda w: reverse("billing:account"), prepare=on_a_monthly_account),
    FormSpec(
        "billing:rider_take_payment",
        "rider",
        lambda w: reverse("delivery:rider"),
        lambda w: reverse("billing:rider_take_payment", args=[w.victim.pk]),
        prepare=a_bill_to_take_on_the_round,
    ),
]

# POST endpoints without fields to fuzz (a button), or that this shop does not use.
NO_FIELDS = {
    "cart:remove",
    "cart:clear",
    "orders:cancel",
    "orders:pay",
    "orders:again",
    "accounts:address_delete",
    "accounts:address_make_default",
    "notifications:mark_read",
    "notifications:mark_all_read",
    "payments:history",  # a page: a POST is answered like a GET
    "payments:stripe_webhook",  # Stripe's signed JSON: milkshop payments tests
    "account_logout",
    "account_confirm_email",  # the key in the URL is the input: test_no_text_in_a_url_parameter_breaks_a_page
    "account_reset_password_from_key",  # only behind an emailed key
    "account_set_password",  # for accounts without a password: the shop has none
    "account_reauthenticate",  # allauth flows the shop does not turn on
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "account_confirm_login_code",
    "^media/(?P<path>.*)$",  # the development server's file server (DEBUG only)
}


@pytest.fixture
def fuzz_world(settings) -> World:
    settings.PAYMENTS_DEMO_GATEWAY = True
    world = build_world()
    # Two of today's deliveries waiting for one rider: the rider page then shows each card and "picked up all".
    first, second = (delivery_in(DeliveryStatus.ASSIGNED, today=True, user=world.victim) for _ in range(2))
    if second.rider != first.rider:
        delivery_assign(delivery=second, rider=first.rider, by=world.staff)
    world.today_delivery = first
    return world


def client_for(actor: str, world: World) -> Client:
    client = Client()
    user = {
        "customer": world.victim,
        "rider": (world.today_delivery or world.delivery).rider,
        "staff": world.staff,
    }.get(actor)
    if user is not None:
        client.force_login(user)
    return client


def values_for(offered: set[str]):
    value = st.one_of(st.sampled_from(sorted(offered)), NASTY) if offered else NASTY
    return st.one_of(st.none(), value, value, st.lists(value, min_size=2, max_size=3))


@pytest.mark.parametrize("spec", SPECS, ids=[spec.label for spec in SPECS])
def test_no_input_breaks_a_form(spec, fuzz_world):
    world = fuzz_world
    client = client_for(spec.actor, world)
    if spec.prepare:
        spec.prepare(world)
    page_url = spec.page(world)
    page = client.get(page_url)
    assert page.status_code == 200, f"{page_url} answered {page.status_code}"
    action = spec.action(world) if spec.action else page_url.split("?", 1)[0]
    form = form_for(page.content.decode(), page_url, action)
    method = spec.method or form.method
    assert form.fields, f"the form for {action} on {page_url} has no fields"
    fields = st.fixed_dictionaries({name: values_for(offered) for name, offered in form.fields.items()})

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=fields, htmx=st.booleans())
    def post_anything(data, htmx):
        if spec.prepare:
            spec.prepare(world)
        body = {name: value for name, value in data.items() if value is not None}
        headers = {"HX-Request": "true"} if htmx else {}
        response = getattr(client, method)(action, body, headers=headers)
        assert response.status_code < 500, (method, action, body)

    post_anything()


def test_every_url_taking_a_post_is_fuzzed_or_has_nothing_to_fuzz(fuzz_world):
    """Staff who is also a rider passes every permission check: a URL that does not answer 405 takes POSTs."""
    client = client_for("staff", fuzz_world)
    fuzz_world.staff.groups.add(*fuzz_world.today_delivery.rider.groups.all())
    client.raise_request_exception = False
    known = {spec.name for spec in SPECS} | NO_FIELDS
    unfuzzed = []
    for route in routes():
        if is_admin(route) or route.label.startswith(("api:", "headless:")) or route.label in known:
            continue
        response = client.post(sample_url(route))
        if response.status_code != 405:
            unfuzzed.append((route.label, response.status_code))
    assert unfuzzed == [], "forms no test fuzzes: add them to SPECS (or NO_FIELDS)"


PATH_TEXT = st.one_of(st.sampled_from(EDGE_STRINGS[:-1]), st.text(min_size=1, max_size=60))
# Regex routes whose groups take free text; the shop's own routes use converters.
REGEX_ROUTES = {
    "account_confirm_email": "/accounts/confirm-email/{}/",
    "account_reset_password_from_key": "/accounts/password/reset/key/1-{}/",
}


def url_with_text(route, text: str) -> str:
    quoted = quote(text, safe="")
    if route.label in REGEX_ROUTES:
        return REGEX_ROUTES[route.label].format(quoted)
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else quoted, route.route)


def test_no_text_in_a_url_parameter_breaks_a_page(fuzz_world):
    """Each URL parameter that takes text (order numbers, tokens, slugs, dates, keys), filled with anything."""
    client = client_for("customer", fuzz_world)
    textual = [
        route
        for route in routes()
        if not is_admin(route)
        and (route.label in REGEX_ROUTES or (route.parameters and "regex" not in route.kinds))
        and set(route.kinds) - {"int", "uuid"}
    ]
    assert len(textual) >= 10

    @settings(max_examples=EXAMPLES * 3, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(route=st.sampled_from(textual), text=PATH_TEXT, method=st.sampled_from(["get", "post"]))
    def visit(route, text, method):
        url = url_with_text(route, text)
        response = getattr(client, method)(url)
        assert response.status_code < 500, url

    visit()


OFF_SITE = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "https:evil.example", "javascript:alert(1)"]
NEXT_VALUES = st.one_of(
    st.sampled_from(OFF_SITE + EDGE_STRINGS[:-1] + ["milk", "accounts:profile", "/cart/"]), st.text()
)


def test_next_parameters_neither_break_a_page_nor_leave_the_site(fuzz_world):
    """Where the shop sends people after a form (cart add's next field, the address form's and log-in's ?next=)."""
    customer = client_for("customer", fuzz_world)
    product = fuzz_world.product

    @settings(max_examples=EXAMPLES * 2, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(next_url=NEXT_VALUES, where=st.sampled_from(["cart", "address", "login"]))
    def follow(next_url, where):
        if where == "cart":
            response = customer.post(reverse("cart:add", args=[product.pk]), {"qty": "1", "next": next_url})
        elif where == "address":
            url = f"{reverse('accounts:address_create')}?next={quote(next_url, safe='')}"
            data = {"label": "Home", "line1": "1 Main Road", "area": "Koramangala", "city": "Bengaluru"}
            response = customer.post(url, {**data, "pincode": "560034"})
        else:
            url = f"{reverse('account_login')}?next={quote(next_url, safe='')}"
            response = Client().post(url, {"login": fuzz_world.attacker.email, "password": PASSWORD})
        assert response.status_code < 500, (where, next_url)
        if response.status_code == 302:
            target = urlsplit(response["Location"])
            assert not target.netloc and target.scheme == "", (where, next_url, response["Location"])

    follow()
    CartItem.objects.filter(cart__user=fuzz_world.victim).delete()


CALENDAR_ENDS = ["0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31"]


def test_the_first_and_last_days_of_the_calendar_are_bad_input(fuzz_world):
    """Found by the fuzzing above, kept here to be tried every time: the day-before, day-after and month-ahead
    arithmetic behind these pages overflows at the calendar's ends."""
    world = fuzz_world
    customer, rider = client_for("customer", world), client_for("rider", world)
    api = ApiClient(Client()).login(world.victim.email, PASSWORD)
    subscribe_url = reverse("subscriptions:new", args=[world.product.slug])
    preview_url = reverse("subscriptions:preview", args=[world.product.slug])
    terms = {"qty": "1", "frequency": "DAILY", "slot": "MORNING", "address": world.address.pk, "payment_method": "CASH"}
    for day in CALENDAR_ENDS:
        answers = [
            rider.get(reverse("delivery:rider"), {"date": day}),
            customer.get(f"/subscriptions/{world.subscription.pk}/days/{day}/"),
            customer.post(f"/subscriptions/{world.subscription.pk}/days/{day}/", {"action": "skip"}),
            customer.post(reverse("subscriptions:vacation", args=[sub(world)]), {"start": day, "end": day}),
            customer.post(
                reverse("subscriptions:vacation_end", args=[sub(world), world.vacation.pk]), {"last_day": day}
            ),
            customer.get(preview_url, {**terms, "start_date": day, "end_date": day}),
            customer.post(subscribe_url, {**terms, "start_date": day}),
            api.post(
                "/order/subscribe", {"productId": world.product.pk, "qty": 1, "frequency": "DAILY", "startDate": day}
            ),
        ]
        assert [response.status_code for response in answers if response.status_code >= 500] == [], day
