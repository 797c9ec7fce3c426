"""The forms of a rendered page, read as a browser reads them: where each posts, its fields and the values the page
offers for them (options, radio and checkbox values, named submit buttons, prefilled inputs)."""

from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class PageForm:
    action: str  # a path
    method: str
    fields: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urlsplit(urljoin(self.page_path, attrs.get("action") or self.page_path)).path
            self._form = PageForm(action=action, method=(attrs.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag in ("input", "button", "textarea") and name:
            values = self._form.fields[name]
            if attrs.get("value") is not None:
                values.add(attrs["value"])
        elif tag == "select" and name:
            self._select = name
            self._form.fields[name]  # noqa: B018 - a select without options is still a field
        elif tag == "option" and self._select and attrs.get("value") is not None:
            self._form.fields[self._select].add(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(html: str, page_path: str) -> list[PageForm]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms


def form_for(html: str, page_path: str, action: str) -> PageForm:
    """Every form of the page that posts to action, merged: their fields and the values offered for each."""
    matching = [form for form in forms_on(html, page_path) if form.action == action]
    assert matching, f"{page_path} has no form for {action}: {[f.action for f in forms_on(html, page_path)]}"
    merged = PageForm(action=action, method=matching[0].method)
    for form in matching:
        for name, values in form.fields.items():
            merged.fields[name] |= values
    merged.fields.pop("csrfmiddlewaretoken", None)
    return merged
