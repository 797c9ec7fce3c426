from django.dispatch import Signal

# Sent after the sign-up transaction commits; kwargs: user_id.
user_registered = Signal()
