"""Admin actions over a selection: each row goes through its service, which may refuse it with a reason."""

from django.contrib import messages
from django.contrib.admin.utils import model_ngettext


class EachRowActions:
    """Mixed into a ModelAdmin: `_each` changes every selected row, counts the changes in one message and says each
    refusal (an exception of `refusals`) in its own."""

    refusals: type[Exception] | tuple[type[Exception], ...] = ()
    each_related: tuple[str, ...] = ()  # select_related for the rows the actions read
    each_noun: tuple[str, str] | None = None  # (one, many); the model's verbose names when None

    def _each(self, request, queryset, change, done: str) -> None:
        changed, refused = 0, []
        for row in queryset.select_related(*self.each_related) if self.each_related else queryset:
            try:
                change(row)
                changed += 1
            except self.refusals as error:
                refused.append(str(error))
        if changed:
            self.message_user(request, f"{changed} {self._noun(changed)} {done}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    def _noun(self, count: int) -> str:
        if self.each_noun:
            return self.each_noun[0] if count == 1 else self.each_noun[1]
        return model_ngettext(self.opts, count)
