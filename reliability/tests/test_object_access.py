"""Every URL that takes an object id or a token, tried on the victim's objects by another customer, another rider
and an anonymous visitor, with GET and with a POST that would change something: never the victim's data, never a
change. The list of URLs is checked against Django's resolver, so a new URL with an id must be added here.
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage, storages
from django.test import Client
from django.urls import reverse
from django.utils.http import int_to_base36

from accounts.tests.factories import PASSWORD
from analytics.selectors import REPORT_KEYS
from billing.documents import order_document
from billing.ledger import account_set_terms
from billing.models import AccountKind, LedgerEntry, Statement
from billing.selectors import statement_document
from billing.statements import statements_make
from billing.tests.monthly import delivered_on_account, month_end_moment
from delivery.models import DeliveryStatus, ProofPolicy, RiderUpdate, RiderUpdateOutcome, RouteStop
from delivery.rounds import round_record_handover
from delivery.services import delivery_assign
from delivery.tests.factories import delivery_in
from delivery.tests.proof_helpers import keep_photos_in, on_the_way, photo
from milkshop.tests.apiclient import ApiClient
from orders.tests.factories import place_order
from orders.workflows import delivery_transition
from payments.models import Payment, PaymentMethod, PaymentPurpose
from reliability.tests.urlwalk import is_admin, routes
from reliability.tests.world import World, build_world, changes, fingerprint, inbox_message

pytestmark = pytest.mark.django_db

# URLs whose parameters name public things (products) or the caller's own cart, not anyone's objects.
PUBLIC = {
    "catalog:product": "a product's slug: the catalog is public",
    "subscriptions:new": "a product's slug",
    "subscriptions:preview": "a product's slug",
    "cart:add": "a product id, added to the caller's own cart",
    "cart:update": "a product id, a line of the caller's own cart",
    "cart:remove": "a product id, a line of the caller's own cart",
    "api:product_detail": "a product id: the catalog is public",
}
# URLs with a secret token in them, tried in their own tests below.
TOKENS = {
    "delivery:track": "test_the_public_tracking_link_shows_no_one_anything_personal",
    "account_confirm_email": "test_a_guessed_allauth_key_neither_shows_nor_changes_the_victims_account",
    "account_reset_password_from_key": "test_a_guessed_allauth_key_neither_shows_nor_changes_the_victims_account",
    "^media/(?P<path>.*)$": "test_an_invoice_or_statement_file_is_never_in_public_media_nor_named_after_its_number",
}


# URLs tried on the victim's objects by test_no_one_else_reaches_the_victims_objects (admin pages are walked from
# the admin's registry).
WALKED = {
    "orders:detail",
    "orders:cancel",
    "orders:pay",
    "orders:again",
    "orders:invoice",
    "orders:document",
    "billing:statement_pdf",
    "billing:rider_take_payment",
    "delivery:order_delivery",
    "delivery:order_door_photo",
    "delivery:staff_door_photo",
    "accounts:address_update",
    "accounts:address_delete",
    "accounts:address_make_default",
    "payments:demo_checkout",
    "subscriptions:status",
    "subscriptions:day",
    "subscriptions:vacation",
    "subscriptions:vacation_end",
    "delivery:rider_move",
    "notifications:mark_read",
    "analytics:export",
    "analytics:daily_report_file",
}


@dataclass(frozen=True)
class Attempt:
    name: str
    url: str
    data: dict
    # Where a refused form sends a signed-in caller back to, the refusal flashed there (none: refusing is a 4xx).
    back: str | None = None


def attempts(world: World) -> list[Attempt]:
    """The victim's objects behind every URL that takes an id, with a POST body that would change them."""
    subscription = world.subscription.pk
    day = (world.subscription.start_date + timedelta(days=1)).isoformat()
    later = (world.vacation.start_date).isoformat()
    found = []
    for order in (world.order, world.card_order):
        for name in ("orders:detail", "orders:cancel", "orders:pay", "orders:again", "orders:invoice"):
            found.append(Attempt(name, reverse(name, args=[order.number]), {}))
        found.append(Attempt("delivery:order_delivery", reverse("delivery:order_delivery", args=[order.number]), {}))
        photo = reverse("delivery:order_door_photo", args=[order.number])
        found.append(Attempt("delivery:order_door_photo", photo, {}))
    new_address = {"label": "Mine", "line1": "Hijacked 1", "area": "X", "city": "Y", "pincode": "560034"}
    for address in (world.address, world.other_address):
        found += [
            Attempt("accounts:address_update", reverse("accounts:address_update", args=[address.pk]), new_address),
            Attempt("accounts:address_delete", reverse("accounts:address_delete", args=[address.pk]), {}),
            Attempt("accounts:address_make_default", reverse("accounts:address_make_default", args=[address.pk]), {}),
        ]
    found += [
        Attempt(
            "payments:demo_checkout",
            reverse("payments:demo_checkout", args=[world.payment.idempotency_key]),
            {"decision": "approve"},
        ),
        Attempt("subscriptions:status", reverse("subscriptions:status", args=[subscription]), {"action": "cancel"}),
        Attempt("subscriptions:day", reverse("subscriptions:day", args=[subscription, day]), {"action": "skip"}),
        Attempt("subscriptions:day", reverse("subscriptions:day", args=[subscription, day]), {"qty": "9"}),
        Attempt(
            "subscriptions:vacation",
            reverse("subscriptions:vacation", args=[subscription]),
            {"start": day, "end": day},
        ),
        Attempt(
            "subscriptions:vacation_end",
            reverse("subscriptions:vacation_end", args=[subscription, world.vacation.pk]),
            {"last_day": later},
        ),
        Attempt(
            "delivery:rider_move",
            reverse("delivery:rider_move", args=[world.delivery.pk]),
            {"to": "DELIVERED", "cash_collected": "0"},
        ),
        Attempt("notifications:mark_read", reverse("notifications:mark_read", args=[world.notification.pk]), {}),
        Attempt("delivery:staff_door_photo", reverse("delivery:staff_door_photo", args=[world.delivery.pk]), {}),
    ]
    # The victim's GST documents (the wallet order's invoice, the statement's) and monthly statement.
    for document in (world.document, world.statement_document):
        found.append(Attempt("orders:document", reverse("orders:document", args=[document.number]), {}))
    found.append(Attempt("billing:statement_pdf", reverse("billing:statement_pdf", args=[world.statement.pk]), {}))
    # Cash towards the victim's monthly account, taken by a rider who does not have the victim on today's round.
    found.append(
        Attempt(
            "billing:rider_take_payment",
            reverse("billing:rider_take_payment", args=[world.victim.pk]),
            {"amount": "500.00", "note": "Owned"},
            back=reverse("delivery:rider"),
        )
    )
    # The staff's reports: the whole shop's figures.
    report = reverse("analytics:export", kwargs={"key": REPORT_KEYS[0], "format": "csv"})
    daily = reverse("analytics:daily_report_file", kwargs={"day": world.order.delivery_date, "filename": "orders.csv"})
    found += [Attempt("analytics:export", report, {}), Attempt("analytics:daily_report_file", daily, {})]
    return found


def admin_attempts(world: World) -> list[Attempt]:
    """Each admin page of a stored object (change, delete, history), for every registered model that has rows."""
    found = []
    for model in admin.site._registry:
        instance = model.objects.order_by("pk").first()
        if instance is None:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        for view in ("change", "delete", "history"):
            name = f"admin:{info[0]}_{info[1]}_{view}"
            found.append(Attempt(name, reverse(name, args=[instance.pk]), {"post": "yes"}))
        if model._meta.label == "accounts.User":
            name = "admin:auth_user_password_change"
            url = reverse(name, args=[world.victim.pk])
            found.append(Attempt(name, url, {"password1": "owned-0wned-1", "password2": "owned-0wned-1"}))
    order_type = ContentType.objects.get_for_model(world.order)
    found.append(Attempt("admin:view_on_site", reverse("admin:view_on_site", args=[order_type.pk, world.order.pk]), {}))
    # The zone's route page, which moves the victim's household in the route.
    stop = RouteStop.objects.get(zone=world.delivery.zone_id, user=world.victim)
    route = reverse("admin:delivery_deliveryzone_route", args=[stop.zone_id])
    for change in ({"action": "up", "stop": stop.pk}, {"action": "down", "stop": stop.pk}, {"action": "add_missing"}):
        found.append(Attempt("admin:delivery_deliveryzone_route", route, change))
    return found


@pytest.fixture
def world(settings, django_capture_on_commit_callbacks) -> World:
    settings.PAYMENTS_DEMO_GATEWAY = True
    with django_capture_on_commit_callbacks(execute=True):  # the signals, and the tasks they run inline
        world = build_world()
        monthly_statement(world)
    world.notification = inbox_message(world.victim)
    world.document = order_document(order=world.order)  # issued when the wallet order was confirmed
    assert world.document is not None
    return world


NOV = date(2026, 11, 1)


def monthly_statement(world: World) -> None:
    """The victim moved to a monthly account by the staff, an order on it delivered in November, and November's
    statement made as the schedule makes it (with its GST document)."""
    account_set_terms(
        user=world.victim, kind=AccountKind.POSTPAID, credit_limit=Decimal("5000.00"), by=world.staff, payment_days=10
    )
    delivered_on_account(world.victim, date(2026, 11, 3))
    statements_make(month_start=NOV, now=month_end_moment(NOV))
    world.statement = Statement.objects.get(account__user=world.victim)
    world.statement_document = statement_document(statement=world.statement)
    assert world.statement_document is not None


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refused(response, *, anonymous: bool, admin_page: bool, back: str | None = None) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code == 302:
        target = response["Location"]
        if admin_page:
            return target.startswith("/admin/login/")
        return target.startswith("/accounts/login/") if anonymous else back is not None and target == back
    return False


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def test_no_one_else_reaches_the_victims_objects(world):
    actors = {
        "anonymous": Client(),
        "another customer": signed_in(world.attacker),
        "another rider": signed_in(world.other_rider),
    }
    tries = attempts(world) + admin_attempts(world)
    before = fingerprint()

    leaks = []
    for attempt in tries:
        for actor, client in actors.items():
            for method in ("get", "post"):
                response = getattr(client, method)(attempt.url, attempt.data if method == "post" else None)
                body = body_of(response)
                shown = [secret for secret in world.secrets if secret and secret in body]
                ok = refused(
                    response,
                    anonymous=actor == "anonymous",
                    admin_page=attempt.name.startswith("admin:"),
                    back=attempt.back,
                )
                if not ok or shown:
                    leaks.append((actor, method.upper(), attempt.url, response.status_code, shown))

    assert {attempt.name for attempt in tries if not attempt.name.startswith("admin:")} == WALKED
    assert leaks == []
    assert changes(before, fingerprint()) == []
    # The URLs and objects are real: their owners do reach them.
    victim = signed_in(world.victim)
    assert victim.get(reverse("orders:detail", args=[world.order.number])).status_code == 200
    assert victim.get(reverse("accounts:address_update", args=[world.other_address.pk])).status_code == 200
    assert victim.get(reverse("payments:demo_checkout", args=[world.payment.idempotency_key])).status_code == 200
    for document in (world.document, world.statement_document):
        assert victim.get(reverse("orders:document", args=[document.number])).status_code == 200
    assert victim.get(reverse("billing:statement_pdf", args=[world.statement.pk])).status_code == 200
    rider_move = reverse("delivery:rider_move", args=[world.delivery.pk])
    assert signed_in(world.victim_rider).post(rider_move, {"to": "IN_TRANSIT"}).status_code == 302
    world.delivery.refresh_from_db()
    assert world.delivery.status == "IN_TRANSIT"


def test_the_api_refuses_the_victims_ids(world, client):
    before = fingerprint()
    attacker = ApiClient(client).login(world.attacker.email, PASSWORD)
    rider = ApiClient(Client()).login(world.other_rider.email, PASSWORD)
    anonymous = ApiClient(Client())
    slot = world.order.delivery_date.isoformat() + "T06:00:00+05:30"
    calls = [
        ("get", "/order/track", {"orderId": world.order.number}),
        ("post", "/payment/pay", {"orderId": world.card_order.number, "paymentMethod": "CASH"}),
        ("post", "/order/create", {"addressId": world.address.pk, "deliverySlot": slot, "paymentMethod": "CASH"}),
        (
            "post",
            "/order/subscribe",
            {
                "productId": world.product.pk,
                "qty": 1,
                "frequency": "DAILY",
                "startDate": world.subscription.start_date.isoformat(),
                "addressId": world.address.pk,
            },
        ),
        ("patch", "/user/profile", {"userId": world.victim.pk, "name": "Owned"}),
        (
            "patch",
            "/user/profile",
            {
                "address": {
                    "addressId": world.address.pk,
                    "line1": "Owned",
                    "area": "X",
                    "city": "Y",
                    "pincode": "560034",
                }
            },
        ),
        ("patch", "/delivery/update", {"deliveryId": world.delivery.pk, "status": "DELIVERED"}),
        ("post", "/product/update", {"productId": world.product.pk, "price": "1.00"}),
        ("get", "/payment/history", None),
    ]
    seen = []
    for who, api in (("attacker", attacker), ("rider", rider), ("anonymous", anonymous)):
        for method, path, body in calls:
            response = api.get(path, body) if method == "get" else api.send(method, path, body)
            text = response.content.decode()
            shown = [secret for secret in world.secrets if secret in text]
            seen.append((who, method, path, response.status_code, shown))
    leaks = [s for s in seen if s[4] or (s[3] < 400 and s[2] != "/payment/history")]
    assert leaks == [], seen
    assert changes(before, fingerprint()) == []


def test_the_public_tracking_link_shows_no_one_anything_personal(world):
    visitor = Client()
    token = world.delivery.tracking_token
    page = visitor.get(reverse("delivery:track", args=[token]))
    assert page.status_code == 200
    assert [secret for secret in world.secrets if secret in page.content.decode()] == []
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    for guess in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token.upper(),
        "0" * len(token),
        "%00",
        str(world.delivery.pk),
    ):
        assert visitor.get(f"/track/{guess}/").status_code in (400, 404), guess


def test_a_guessed_allauth_key_neither_shows_nor_changes_the_victims_account(world):
    visitor = Client()
    before = fingerprint()
    uid = int_to_base36(world.victim.pk)
    for url in (f"/accounts/password/reset/key/{uid}-set-password/", f"/accounts/password/reset/key/{uid}-abc-123/"):
        page = visitor.get(url, follow=True)
        assert page.status_code in (200, 400, 404)
        assert [s for s in world.secrets if s in page.content.decode()] == []
        visitor.post(url, {"password1": "owned-0wned-1", "password2": "owned-0wned-1"})
    page = visitor.get("/accounts/confirm-email/guessed-key/", follow=True)
    assert [s for s in world.secrets if s in page.content.decode()] == []
    visitor.post("/accounts/confirm-email/guessed-key/")
    assert changes(before, fingerprint()) == []
    world.victim.refresh_from_db()
    assert world.victim.check_password(PASSWORD)


def test_an_invoice_or_statement_file_is_never_in_public_media_nor_named_after_its_number(world, settings, tmp_path):
    """The tax document's PDF and the monthly statement's (name, phone, address) are kept in the private storage,
    not in the media storage that a deployment serves to anyone for the product pictures; nor does a file's name
    follow from the order's, document's or statement's number: it has a random part."""
    settings.MEDIA_ROOT = tmp_path
    victim = signed_in(world.victim)
    private = storages["invoices"]

    download = victim.get(reverse("orders:invoice", args=[world.order.number]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    document = order_document(order=world.order)
    assert document.pk == world.document.pk
    stored = document.pdf.name
    slug = document.number.replace("/", "-")
    assert document.pdf.storage.location == private.location != default_storage.location
    assert private.exists(stored)
    assert not default_storage.exists(stored)
    assert stored not in (f"documents/{slug}.pdf", f"documents/invoice-{world.order.number}.pdf")
    assert world.order.number not in stored
    assert len(stored) >= len(f"documents/{slug}.pdf") + 16

    statement = world.statement
    download = victim.get(reverse("billing:statement_pdf", args=[statement.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    statement.refresh_from_db()
    stored = statement.pdf.name
    guessable = f"statements/statement-{statement.period_start:%Y-%m}-v{statement.version}.pdf"
    assert statement.pdf.storage.location == private.location
    assert private.exists(stored)
    assert not default_storage.exists(stored)
    assert len(stored) >= len(guessable) + 16

    assert not list(tmp_path.rglob("*.pdf"))


def test_every_url_with_an_id_or_token_is_walked():
    known = WALKED | set(PUBLIC) | set(TOKENS)
    missing = [
        route.label for route in routes() if route.parameters and not is_admin(route) and route.label not in known
    ]
    assert missing == [], "URLs taking an id or token that no test here tries: add them to WALKED and attempts()"


def test_a_riders_cash_handover_is_theirs_alone_and_only_staff_count_it(world):
    """The cash page takes no id: each rider reads their own day, so the victim's cash order on Ravi's round shows to
    Ravi only. Counting, acknowledging and closing are the staff's admin; nobody else gets a change through."""
    cod = place_order(user=world.victim).delivery
    delivery_assign(delivery=cod, rider=world.victim_rider)
    day = cod.delivery_date
    counted = round_record_handover(
        rider=world.victim_rider, day=day, amount=Decimal("1.00"), note="Counted before the round", by=world.staff
    )
    cash = f"{reverse('delivery:rider_cash')}?date={day.isoformat()}"
    count = reverse("admin:delivery_riderround_count")
    changelist = reverse("admin:delivery_riderround_changelist")
    anonymous, attacker, other_rider = Client(), signed_in(world.attacker), signed_in(world.other_rider)
    before = fingerprint()

    assert anonymous.get(cash)["Location"].startswith("/accounts/login/")
    assert attacker.get(cash).status_code == 403
    shown = other_rider.get(cash).content.decode()
    assert [secret for secret in world.secrets if secret in shown] == []
    assert cod.order.number not in shown
    for client in (anonymous, attacker, other_rider):
        tries = [
            client.get(count, {"date": day.isoformat(), "rider": world.victim_rider.pk}),
            client.post(count, {"rider": world.victim_rider.pk, "date": day.isoformat(), "cash_handed_over": "0"}),
            client.post(changelist, {"action": "acknowledge_variance", "_selected_action": [counted.pk]}),
            client.post(changelist, {"action": "close_round", "_selected_action": [counted.pk]}),
        ]
        assert all(response["Location"].startswith("/admin/login/") for response in tries)
    assert changes(before, fingerprint()) == []
    # The page is real: the victim's rider does see the order on it.
    assert cod.order.number in signed_in(world.victim_rider).get(cash).content.decode()


def test_cash_for_the_victims_monthly_account_is_taken_only_by_the_rider_with_them_on_todays_round(world):
    """The rider's "take a bill payment" form names the household by id. Another customer is refused (403); a rider
    without the victim on today's round is sent back to their own page with the refusal, and no payment nor ledger
    entry is made; the victim's own rider, with the victim on today's round, does take it."""
    today = delivery_in(DeliveryStatus.ASSIGNED, today=True, user=world.victim)
    delivery_assign(delivery=today, rider=world.victim_rider)
    take = reverse("billing:rider_take_payment", args=[world.victim.pk])
    cash = {"amount": "120.00", "note": "Cash at the door"}
    attacker, other_rider, victims_rider = (
        signed_in(world.attacker),
        signed_in(world.other_rider),
        signed_in(world.victim_rider),
    )
    before = fingerprint()

    assert attacker.post(take, cash).status_code == 403
    refusal = other_rider.post(take, cash, follow=True)
    assert refusal.redirect_chain == [(reverse("delivery:rider"), 302)]
    assert "not on your round today" in body_of(refusal)
    assert world.order.number not in body_of(refusal)
    assert Client().post(take, cash)["Location"].startswith("/accounts/login/")
    assert changes(before, fingerprint()) == []
    assert not Payment.objects.filter(user=world.victim, purpose=PaymentPurpose.ACCOUNT).exists()
    entries = LedgerEntry.objects.count()

    assert victims_rider.post(take, cash).status_code == 302
    taken = Payment.objects.get(user=world.victim, purpose=PaymentPurpose.ACCOUNT)
    assert taken.amount == Decimal("120.00")
    assert LedgerEntry.objects.count() == entries + 1


# URLs without ids whose answer is the same for everyone.
SHARED = {"delivery:rider_manifest", "delivery:rider_sw"}


def test_the_rider_apps_files_are_the_same_for_everyone_and_show_nothing_personal(world):
    """The installable rider app's manifest and service worker take no id and no login (browsers fetch a manifest
    without cookies): everyone gets the same bytes, nothing of the victim's is in them, and a POST changes nothing."""
    callers = [Client(), signed_in(world.attacker), signed_in(world.other_rider), signed_in(world.victim_rider)]
    before = fingerprint()

    for name in SHARED:
        url = reverse(name)
        answers = [caller.get(url) for caller in callers]
        assert [answer.status_code for answer in answers] == [200] * len(callers)
        assert len({answer.content for answer in answers}) == 1
        assert [secret for secret in world.secrets if secret in answers[0].content.decode()] == []
        assert [caller.post(url).status_code for caller in callers] == [405] * len(callers)

    assert changes(before, fingerprint()) == []
    assert {route.label for route in routes() if not route.parameters} >= SHARED


def test_a_queued_update_for_the_victims_delivery_changes_nothing_but_the_record_of_its_refusal(world):
    """The rider page's offline queue and the phone app send each update under a key (delivery.sync). Under a key as
    without one, another rider's update of the victim's delivery is refused (404, or back to their own round with
    what happened) and shows nothing of the victim's; customers and visitors get no further than before."""
    move = reverse("delivery:rider_move", args=[world.delivery.pk])
    other, attacker = signed_in(world.other_rider), signed_in(world.attacker)
    other_api = ApiClient(Client()).login(world.other_rider.email, PASSWORD)
    before = fingerprint()

    def keyed() -> dict:
        return {"to": "IN_TRANSIT", "idempotency_key": str(uuid.uuid4())}

    answers = {
        "other rider, htmx": other.post(move, keyed(), headers={"HX-Request": "true"}),
        "other rider, plain form": other.post(move, keyed()),
        "other rider, API": other_api.patch(
            "/delivery/update",
            {"deliveryId": world.delivery.pk, "status": "IN_TRANSIT", "idempotencyKey": str(uuid.uuid4())},
        ),
        "another customer": attacker.post(move, keyed()),
        "anonymous": Client().post(move, keyed()),
    }

    assert {who: answer.status_code for who, answer in answers.items()} == {
        "other rider, htmx": 404,
        "other rider, plain form": 302,
        "other rider, API": 404,
        "another customer": 403,
        "anonymous": 302,
    }
    assert answers["other rider, plain form"]["Location"] == reverse("delivery:rider")
    assert answers["anonymous"]["Location"].startswith("/accounts/login/")
    for answer in answers.values():
        assert [secret for secret in world.secrets if secret in answer.content.decode()] == []
        assert world.order.number not in answer.content.decode()
    assert changes(before, fingerprint()) == ["delivery.RiderUpdate"]
    refusals = RiderUpdate.objects.values_list("rider", "outcome")
    assert sorted(refusals) == [(world.other_rider.pk, RiderUpdateOutcome.REFUSED)] * 3
    world.delivery.refresh_from_db()
    assert world.delivery.status == "PICKED_UP"


def test_a_doorstep_photo_shows_to_its_customer_and_to_staff_only(world, monkeypatch, tmp_path):
    """The rider's photo of the victim's order left at the door (the victim's doorstep): through the customer's own
    order page and the staff's view, never to another customer, another rider, the victim's own rider or a visitor."""
    keep_photos_in(monkeypatch, tmp_path)
    left = on_the_way(policy=ProofPolicy.ALWAYS, method=PaymentMethod.WALLET, user=world.victim)
    left = delivery_transition(
        delivery=left, to=DeliveryStatus.DELIVERED, by=left.rider, left_at_door=True, door_photo=photo()
    )
    urls = [
        reverse("delivery:order_door_photo", args=[left.order.number]),
        reverse("delivery:staff_door_photo", args=[left.pk]),
    ]
    picture_bytes = (tmp_path / left.door_photo.name).read_bytes()
    others = [Client(), signed_in(world.attacker), signed_in(world.other_rider), signed_in(left.rider)]
    owner, staff = signed_in(world.victim), signed_in(world.staff)
    before = fingerprint()

    for client in others:
        for url in urls:
            for response in (client.get(url), client.post(url)):
                assert refused(response, anonymous=not response.wsgi_request.user.is_authenticated, admin_page=False)
                assert picture_bytes not in response.content

    assert owner.get(urls[1]).status_code == 403
    assert changes(before, fingerprint()) == []
    shown = [b"".join(owner.get(urls[0]).streaming_content), b"".join(staff.get(urls[1]).streaming_content)]
    assert shown == [picture_bytes, picture_bytes]
