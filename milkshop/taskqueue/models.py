from django.db import models


class HeldTask(models.Model):
    """A task the broker refused (Redis down): kept here and sent by release_held_tasks once the broker is back."""

    func = models.CharField(max_length=200)
    payload = models.BinaryField(help_text="The pickled positional arguments and async_task options.")
    error = models.TextField(help_text="Why the broker refused it.")
    held_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.func} (held since {self.held_at:%d %b %H:%M})"
