"""The admin's user forms and sign-in follow the same one-name-one-account rule."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from . import selectors
from .models import CanonicalUsername
from .services import USERNAME_TAKEN
from .usernames import canonical_username


def _check_username_is_free(form: forms.ModelForm[User], username: str) -> None:
    # Without this, saving a confusable name would fail on the unique index
    # (an error page) instead of saying so on the form.
    others = CanonicalUsername.objects.exclude(user_id=form.instance.pk)
    if others.filter(name=canonical_username(username)).exists():
        raise ValidationError(USERNAME_TAKEN, code="unique")


class CanonicalUserCreationForm(AdminUserCreationForm):
    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        _check_username_is_free(self, username)
        return username


class CanonicalUserChangeForm(UserChangeForm[User]):
    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        _check_username_is_free(self, username)
        return username


class CanonicalAdminAuthenticationForm(AdminAuthenticationForm):
    """Staff sign in to the admin under any form of their name, like the API."""

    def clean_username(self) -> Any:
        username = self.cleaned_data["username"]
        return selectors.stored_username(username) or username


class CanonicalUserAdmin(UserAdmin[User]):
    form = CanonicalUserChangeForm
    add_form = CanonicalUserCreationForm


admin.site.unregister(User)
admin.site.register(User, CanonicalUserAdmin)
admin.site.login_form = CanonicalAdminAuthenticationForm
