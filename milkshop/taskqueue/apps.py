from django.apps import AppConfig


class TaskQueueConfig(AppConfig):
    """Enqueueing tasks so that none is lost while the broker is down (see enqueue)."""

    name = "milkshop.taskqueue"
    label = "taskqueue"
    verbose_name = "Task queue"
