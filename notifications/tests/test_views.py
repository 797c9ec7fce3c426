"""The in-app notifications page, the header's unread count, marking as read, and the admin's resend."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import STAFF_GROUP
from accounts.tests.factories import UserFactory
from notifications.models import Channel, Notification, NotificationStatus
from notifications.sms import SmsError
from orders.tests.factories import customer_with_address, place_order

pytestmark = pytest.mark.django_db

INBOX = reverse("notifications:inbox")
UNREAD = reverse("notifications:unread")


@pytest.fixture
def customer(client, django_capture_on_commit_callbacks):
    """A signed-in customer with two orders, so two unread in-app notifications."""
    user = customer_with_address(name="Farah Khan")
    with django_capture_on_commit_callbacks(execute=True):
        place_order(user=user)
        place_order(user=user)
    client.force_login(user)
    return user


def unread(user):
    return Notification.objects.filter(user=user, channel=Channel.IN_APP, read_at=None)


def test_pages_need_a_login(client):
    for url in [INBOX, UNREAD, reverse("notifications:mark_all_read")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_inbox_lists_the_customers_in_app_messages_newest_first(client, customer):
    someone_else = customer_with_address()
    page = client.get(INBOX).content.decode()

    orders = list(customer.orders.order_by("-pk"))
    assert page.index(orders[0].number) < page.index(orders[1].number)
    assert page.count('class="inbox-item is-unread"') == 2
    assert "Mark all as read" in page
    assert someone_else.email not in page
    # Emails and SMS are not repeated in the inbox, only their in-app twin.
    assert page.count(f"Order {orders[0].number} is confirmed for") == 2  # the link, then the text


def test_the_header_loads_the_unread_count_with_htmx(client, customer):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("catalog:catalog")).content.decode()

    assert not [query for query in queries.captured_queries if "notifications_notification" in query["sql"]]
    assert f'hx-get="{UNREAD}" hx-trigger="load, notificationsChanged from:body, every 60s"' in page
    assert (
        '<span class="badge notifications-count is-empty">0<span class="visually-hidden"> unread</span></span>' in page
    )
    badge = client.get(UNREAD, headers={"HX-Request": "true"})
    assert badge.content.decode().strip() == (
        '<span class="badge notifications-count">2<span class="visually-hidden"> unread</span></span>'
    )
    assert badge["Cache-Control"] == "no-store"


def test_marking_one_as_read_with_htmx_swaps_it_and_refreshes_the_count(client, customer):
    notification = unread(customer).first()

    response = client.post(reverse("notifications:mark_read", args=[notification.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Trigger"] == "notificationsChanged"
    item = response.content.decode()
    assert f'id="notification-{notification.pk}"' in item
    assert "is-unread" not in item
    assert unread(customer).count() == 1
    assert "notifications-count is-empty" not in client.get(UNREAD).content.decode()


def test_marking_as_read_works_without_javascript(client, customer):
    notification = unread(customer).first()

    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == INBOX
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_cannot_be_marked(client, customer):
    other = customer_with_address()
    client.force_login(other)

    response = client.post(reverse("notifications:mark_read", args=[unread(customer).first().pk]))

    assert response.status_code == 404
    assert unread(customer).count() == 2


def test_mark_all_as_read_empties_the_badge(client, customer):
    response = client.post(reverse("notifications:mark_all_read"), follow=True)

    assert "Marked 2 notifications as read." in response.content.decode()
    assert not unread(customer).exists()
    assert '<span class="badge notifications-count is-empty">0' in client.get(UNREAD).content.decode()


def test_the_inbox_page_has_no_inline_style_or_script(client, customer):
    page = client.get(INBOX).content.decode()

    assert " style=" not in page
    assert "<script>" not in page


class TestAdmin:
    @pytest.fixture
    def staff(self, client):
        user = UserFactory(is_staff=True)
        user.groups.add(Group.objects.get(name=STAFF_GROUP))
        client.force_login(user)
        return user

    def test_failed_sms_are_listed_and_resent(self, client, staff, twilio, django_capture_on_commit_callbacks):
        customer = customer_with_address()
        twilio.fail_with(400, 21610, "Attempt to send to unsubscribed recipient")
        with pytest.raises(SmsError), django_capture_on_commit_callbacks(execute=True):
            place_order(user=customer)
        failed = Notification.objects.get(channel=Channel.SMS)
        assert (failed.status, failed.next_attempt_at) == (NotificationStatus.FAILED, None)

        changelist = reverse("admin:notifications_notification_changelist")
        page = client.get(changelist, {"status": "FAILED", "retries": "given_up"}).content.decode()
        assert "gave up" in page
        assert f"/admin/notifications/notification/{failed.pk}/change/" in page

        twilio.fail_with(None)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                changelist,
                {"action": "resend", "_selected_action": list(Notification.objects.values_list("pk", flat=True))},
                follow=True,
            )

        assert (
            "1 queued to be sent again. 2 skipped: only failed emails and SMS are resent." in response.content.decode()
        )
        failed.refresh_from_db()
        assert (failed.status, failed.attempts) == (NotificationStatus.SENT, 1)
        assert len(twilio.accepted) == 1

    def test_staff_without_the_permission_cannot_resend(self, client):
        user = UserFactory(is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="view_notification"))
        client.force_login(user)

        page = client.get(reverse("admin:notifications_notification_changelist")).content.decode()

        assert 'value="resend"' not in page
