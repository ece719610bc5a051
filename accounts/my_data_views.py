"""The person's data page: download all of it, or delete the account. Thin: the work is
in accounts.my_data."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts import my_data

PAGE = "account/my_data.html"


class DeleteAccountForm(forms.Form):
    """Typing one's own address confirms: a click alone never deletes an account."""

    email = forms.CharField(label=gettext_lazy("Your email address"), max_length=320)

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> str:
        typed = self.cleaned_data["email"].strip()
        if typed.lower() != self.user.email.lower():
            raise forms.ValidationError(
                _("That is not your address: type %(email)s to confirm.")
                % {"email": self.user.email}
            )
        return typed


@login_required
@require_http_methods(["GET", "POST"])
def my_data_page(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        my_data.delete_account(user)
        messages.success(request, _("Your account and everything in it were deleted."))
        return redirect("account_login")
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, PAGE, {"form": form}, status=status)


@login_required
@require_GET
def download_my_data(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        my_data.zip_chunks(request.user), content_type="application/zip"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.zip"'
    response["Cache-Control"] = "no-store"
    return response
