"""Every URL pattern of the shop, with the parameters it takes, read from Django's resolver."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class Route:
    route: str  # the pattern as written, e.g. "orders/<str:number>/cancel/"
    name: str | None  # namespaced, e.g. "orders:cancel"
    parameters: tuple[str, ...]
    kinds: tuple[str, ...]  # per parameter: the converter ("int", "str", "slug", "uuid", "path") or "regex"
    callback: object

    @property
    def label(self) -> str:
        return self.name or self.route


CONVERTER_KINDS = {
    "IntConverter": "int",
    "StringConverter": "str",
    "SlugConverter": "slug",
    "UUIDConverter": "uuid",
    "PathConverter": "path",
}


def _parameters(pattern) -> dict[str, str]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return {name: CONVERTER_KINDS.get(type(c).__name__, "str") for name, c in converters.items()}
    return dict.fromkeys(pattern.regex.groupindex, "regex")


def routes(patterns=None, prefix: str = "", namespace: str | None = None, inherited=None) -> Iterator[Route]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        parameters = {**(inherited or {}), **_parameters(entry.pattern)}
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part) or None
            yield from routes(entry.url_patterns, prefix + str(entry.pattern), inner, parameters)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(
                prefix + str(entry.pattern), name, tuple(parameters), tuple(parameters.values()), entry.callback
            )


# Values that match each kind of parameter (for regex groups, by the group's name).
SAMPLES = {"int": "1", "str": "x", "slug": "x", "uuid": "6f1c0a62-3f0c-4d1e-9d55-0d2d9d3b5a10", "path": "1"}
REGEX_SAMPLES = {
    "key": "x",
    "uidb36": "1",
    "format": "csv",
    "day": "2030-01-01",
    "filename": "orders.csv",
    "app_label": "orders",
    "path": "x",
    "url": "x",
}


def sample_url(route: Route) -> str:
    """A URL this route resolves, with made-up values for its parameters."""
    values = {
        name: REGEX_SAMPLES[name] if kind == "regex" else SAMPLES[kind]
        for name, kind in zip(route.parameters, route.kinds, strict=True)
    }
    if route.name:
        return reverse(route.name, kwargs=values)
    path = re.sub(r"\(\?P<(\w+)>[^()]*\)", lambda m: values[m.group(1)], route.route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], path)
    return "/" + path.replace("^", "").replace("$", "")


def is_admin(route: Route) -> bool:
    return route.route.startswith("admin/")
