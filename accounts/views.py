from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import retarget

from accounts.forms import AddressForm, ProfileForm
from accounts.models import Address
from accounts.selectors import address_for_user, addresses_for_user
from accounts.services import address_delete, address_save, user_update_profile


def _profile_context(request: HttpRequest, **extra) -> dict:
    context = {
        "profile_form": ProfileForm(initial={"name": request.user.name, "phone": request.user.phone}),
        "addresses": addresses_for_user(user=request.user),
    }
    context.update(extra)
    return context


def _address_list(request: HttpRequest, notice: str) -> HttpResponse:
    """After an htmx change: the refreshed address list replaces the whole region."""
    response = render(request, "accounts/profile.html#address-list", _profile_context(request, address_notice=notice))
    return retarget(response, "#addresses")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "accounts/profile.html", _profile_context(request))

    form = ProfileForm(request.POST)
    if not form.is_valid():
        template = "accounts/profile.html#profile-form" if request.htmx else "accounts/profile.html"
        return render(
            request, template, _profile_context(request, profile_form=form), status=422 if request.htmx else 200
        )
    user_update_profile(user=request.user, **form.cleaned_data)
    if request.htmx:
        return render(
            request,
            "accounts/profile.html#profile-form",
            _profile_context(request, profile_notice="Your details are saved."),
        )
    messages.success(request, "Your details are saved.")
    return redirect("accounts:profile")


def _safe_next(request: HttpRequest) -> str:
    """Where to go after saving (checkout sends customers here), if it is a page of ours."""
    next_url = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return next_url if allowed else ""


def _address_form_response(request: HttpRequest, form: AddressForm, address: Address | None) -> HttpResponse:
    template = "accounts/address_form.html#address-form" if request.htmx else "accounts/address_form.html"
    status = 422 if request.method == "POST" and request.htmx else 200
    return render(request, template, {"form": form, "address": address, "next": _safe_next(request)}, status=status)


def _address_edit(request: HttpRequest, address: Address | None) -> HttpResponse:
    instance = address or Address(user=request.user)
    if request.method == "GET":
        form = AddressForm(instance=address, initial={"make_default": bool(address and address.is_default)})
        return _address_form_response(request, form, address)

    form = AddressForm(request.POST, instance=instance)
    if form.is_valid():
        try:
            address_save(address=form.save(commit=False), make_default=form.cleaned_data["make_default"])
        except ValidationError as error:
            form.add_error(None, error)
            return _address_form_response(request, form, address)
        notice = "Address saved." if address else "Address added."
        if request.htmx:
            return _address_list(request, notice)
        messages.success(request, notice)
        # Not redirect(next): it would look up a next of "home" as a view name and fail (500).
        return HttpResponseRedirect(_safe_next(request) or reverse("accounts:profile"))
    return _address_form_response(request, form, address)


@login_required
@require_http_methods(["GET", "POST"])
def address_create(request: HttpRequest) -> HttpResponse:
    return _address_edit(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def address_update(request: HttpRequest, address_id: int) -> HttpResponse:
    return _address_edit(request, address_for_user(user=request.user, address_id=address_id))


@login_required
@require_http_methods(["GET", "POST"])
def address_remove(request: HttpRequest, address_id: int) -> HttpResponse:
    address = address_for_user(user=request.user, address_id=address_id)
    if request.method == "GET":
        return render(request, "accounts/address_confirm_delete.html", {"address": address})
    address_delete(address=address)
    if request.htmx:
        return _address_list(request, "Address deleted.")
    messages.success(request, "Address deleted.")
    return redirect("accounts:profile")


@login_required
@require_POST
def address_make_default(request: HttpRequest, address_id: int) -> HttpResponse:
    address = address_for_user(user=request.user, address_id=address_id)
    address_save(address=address, make_default=True)
    if request.htmx:
        return _address_list(request, "Default address changed.")
    messages.success(request, "Default address changed.")
    return redirect("accounts:profile")
