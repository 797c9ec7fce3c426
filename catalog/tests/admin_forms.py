"""Posting admin pages back as a browser does: every field as the page filled it in."""

from django import forms


def as_posted(form) -> dict:
    """A form's fields as the page filled them in, as the browser posts them back unchanged."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[form.add_prefix(name)] = "on"
        elif isinstance(field, forms.MultipleChoiceField):
            data[form.add_prefix(name)] = [str(item) for item in value or []]
        elif value is not None and not isinstance(field, forms.FileField):
            data[form.add_prefix(name)] = value
    return data


def formset_as_posted(formset) -> dict:
    """A formset's management form and forms as the page showed them."""
    data = as_posted(formset.management_form)
    for form in formset.forms:
        data |= as_posted(form)
    return data


def change_page_as_posted(response) -> dict:
    """An admin change page as shown: the form, its inlines, and the Save button."""
    data = {**as_posted(response.context["adminform"].form), "_save": "Save"}
    for inline in response.context["inline_admin_formsets"]:
        data |= formset_as_posted(inline.formset)
    return data
