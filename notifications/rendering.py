"""Message content from templates: one template per type, one partial per channel.

templates/notifications/messages/<type>.html defines the partials `subject`, `email_text`, `email_html`, `sms` and
`in_app` (a type sent on fewer channels defines fewer). Email parts are wrapped in the shop's email layout. Only
`email_html` is HTML: the other parts are rendered without autoescaping, as the plain text they are.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from notifications.models import Channel
from notifications.sms import sms_text


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    html: str = ""


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _paragraphs(text: str) -> str:
    """Template text tidied: lines stripped, runs of blank lines made one."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def render_text(template_name: str, context: dict) -> str:
    return get_template(template_name).template.render(Context(context, autoescape=False))


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path


def render_content(*, type: str, channel: str, context: dict) -> Content:
    template = f"notifications/messages/{type.lower()}.html"
    context = {
        "shop_name": settings.SHOP_NAME,
        "site_url": settings.SITE_URL,
        "cutoff": settings.DELIVERY_CUTOFF,
        **context,
    }
    if url := context.get("url"):
        context["link"] = absolute_url(url)
    subject = _one_line(render_text(f"{template}#subject", context))
    if channel == Channel.EMAIL:
        context = {
            **context,
            "subject": subject,
            "preferences_link": absolute_url(reverse("notifications:preferences")),
        }
        body_text = _paragraphs(render_text(f"{template}#email_text", context))
        body_html = render_to_string(f"{template}#email_html", context)
        return Content(
            subject=subject,
            text=render_text("notifications/email/layout.txt", {**context, "body": body_text}),
            html=render_to_string("notifications/email/layout.html", {**context, "body": body_html}),
        )
    if channel == Channel.SMS:
        return Content(subject=subject, text=sms_text(render_text(f"{template}#sms", context)))
    return Content(subject=subject, text=_one_line(render_text(f"{template}#in_app", context)))
