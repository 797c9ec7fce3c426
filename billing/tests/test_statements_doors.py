"""The doors to statements: the household's PDF download, the admin, the schedule and its tasks."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from billing.models import Statement
from billing.statements import statements_make
from billing.tasks import make_monthly_statements, remind_overdue_statements
from billing.tests.monthly import at, delivered_on_account, month_end_moment, postpaid_customer, shop_credit

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 1)


@pytest.fixture
def statement():
    customer = postpaid_customer(name="Asha Rao")
    delivered_on_account(customer, date(2026, 11, 3))
    statements_make(month_start=NOV, now=month_end_moment(NOV))
    return Statement.objects.get(account__user=customer)


def test_the_household_downloads_its_statement_pdf(client, statement):
    client.force_login(statement.account.user)

    response = client.get(reverse("billing:statement_pdf", args=[statement.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="statement-2026-11.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_customers_statement_is_not_found(client, statement):
    client.force_login(postpaid_customer())

    assert client.get(reverse("billing:statement_pdf", args=[statement.pk])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, statement):
    response = client.get(reverse("billing:statement_pdf", args=[statement.pk]))

    assert response.status_code == 302 and "login" in response["Location"]


def test_the_admin_lists_statements_with_where_they_stand_and_their_pdf(admin_client, statement):
    page = admin_client.get(reverse("admin:billing_statement_changelist"))

    assert page.status_code == 200
    content = page.content.decode()
    assert "November 2026" in content
    assert "Open: ₹100.00 owed" in content
    pdf = admin_client.get(reverse("admin:billing_statement_pdf", args=[statement.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert admin_client.get(reverse("admin:billing_statement_change", args=[statement.pk])).status_code == 200


def test_customers_cannot_reach_the_admin_pdf(client, statement):
    client.force_login(statement.account.user)

    response = client.get(reverse("admin:billing_statement_pdf", args=[statement.pk]))

    assert response.status_code == 302


def test_make_again_from_the_ledger_makes_a_new_version_for_the_selected_account_only(admin_client, statement):
    other = postpaid_customer(name="Ravi Kumar")
    delivered_on_account(other, date(2026, 11, 5))
    statements_make(month_start=NOV, now=month_end_moment(NOV))
    customer = statement.account.user
    shop_credit(customer, date(2026, 11, 20), "10.00")
    shop_credit(other, date(2026, 11, 20), "10.00")

    with at(date(2026, 12, 3)):
        response = admin_client.post(
            reverse("admin:billing_statement_changelist"),
            {"action": "make_again", "_selected_action": [statement.pk]},
            follow=True,
        )

    assert "1 statement made again as a new version; 0 still matched the ledger." in response.content.decode()
    assert list(Statement.objects.filter(account__user=customer).values_list("version", flat=True)) == [2, 1]
    assert list(Statement.objects.filter(account__user=other).values_list("version", flat=True)) == [1]


def test_staff_who_may_only_look_at_statements_cannot_make_them_again(client, statement):
    from django.contrib.auth.models import Permission

    from accounts.tests.factories import UserFactory

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_statement"))
    client.force_login(viewer)
    shop_credit(statement.account.user, date(2026, 11, 20), "10.00")

    page = client.get(reverse("admin:billing_statement_changelist"))
    client.post(
        reverse("admin:billing_statement_changelist"),
        {"action": "make_again", "_selected_action": [statement.pk]},
    )

    assert page.status_code == 200
    assert "Make again from the ledger" not in page.content.decode()
    assert list(Statement.objects.filter(account=statement.account).values_list("version", flat=True)) == [1]


def test_migrations_schedule_the_monthly_statements_and_the_daily_reminders():
    statements = Schedule.objects.get(name="Make monthly statements")
    reminders = Schedule.objects.get(name="Remind overdue statements")

    assert (statements.func, statements.schedule_type, statements.repeats) == (
        "billing.tasks.make_monthly_statements",
        Schedule.MONTHLY,
        -1,
    )
    first_run = timezone.localtime(statements.next_run)
    assert (first_run.day, first_run.hour, first_run.minute) == (1, 6, 0)
    assert (reminders.func, reminders.schedule_type) == ("billing.tasks.remind_overdue_statements", Schedule.DAILY)


def test_the_monthly_task_makes_the_month_just_ended_once_however_late_or_often_it_runs():
    customer = postpaid_customer()
    delivered_on_account(customer, date(2026, 11, 3))

    with at(date(2026, 12, 1), 6):
        make_monthly_statements()
    with at(date(2026, 12, 2), 11):
        make_monthly_statements()

    [statement] = Statement.objects.filter(account__user=customer)
    assert (statement.period_start, statement.version) == (NOV, 1)


def test_the_daily_task_reminds_overdue_statements(statement):
    with at(date(2026, 12, 12)):
        assert remind_overdue_statements() == 1
    with at(date(2026, 12, 11)):
        assert remind_overdue_statements() == 0
