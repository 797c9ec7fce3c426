from accounts.models import User
from notifications.models import NotificationType
from notifications.services import notification_send_email


def send_welcome_email(user_id: int) -> None:
    user = User.objects.get(pk=user_id)
    notification_send_email(
        user=user,
        type=NotificationType.WELCOME_EMAIL,
        dedupe_key=f"USER_REGISTERED:{user_id}:EMAIL",
        context={},
    )
