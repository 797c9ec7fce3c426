"""Domain signals in, notification tasks out. Signals arrive after their transaction commits."""

from django.dispatch import receiver
from django_q.tasks import async_task

from accounts.signals import user_registered


@receiver(user_registered, dispatch_uid="notifications.user_registered")
def on_user_registered(sender, user_id: int, **kwargs):
    async_task("notifications.tasks.send_welcome_email", user_id, task_name="notifications:WELCOME_EMAIL")
