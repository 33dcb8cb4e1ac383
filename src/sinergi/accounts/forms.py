"""Forms of the accounts app; they validate input, services do the writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .scopes import MODULES


class LoginForm(forms.Form):
    """Username and password."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProfileForm(forms.Form):
    """The user's own profile; changing the email asks for the password (and a code)."""

    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("id", "Bahasa Indonesia"), ("en", "English")]
    )
    current_password = forms.CharField(
        label=_("Current password"),
        required=False,
        strip=False,
        max_length=256,
        help_text=_("Needed only to change the email address."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, totp: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if totp:
            self.fields["totp_code"] = code_field(
                required=False, help_text=_("Needed only to change the email address.")
            )


def code_field(*, required: bool = True, help_text: Any = "") -> forms.CharField:
    """A field for a six-digit code from the authenticator app."""
    return forms.CharField(
        label=_("Code from the authenticator app"),
        required=required,
        max_length=40,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class LoginCodeForm(forms.Form):
    """The second step of login: a code from the app or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )


class EnrolForm(forms.Form):
    """Confirm the authenticator app with a code from it."""

    code = code_field()


class CodeForm(forms.Form):
    """A code from the authenticator app (to regenerate recovery codes)."""

    code = code_field()


class DisableTwoFactorForm(forms.Form):
    """Turn two-factor login off: the password and a code."""

    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = code_field()


class PasswordChangeForm(forms.Form):
    """Change one's own password (with a two-factor code when the user has it on)."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, totp: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if totp:
            self.fields["totp_code"] = code_field()

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class TokenForm(forms.Form):
    """A new API token: a name, what it may do, how long it lasts."""

    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("For example the system that will use it."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What the token may do"),
        choices=[],
        initial=["read"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Reading is what you may see; writing is limited to the modules you tick."),
    )
    expires_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.SINERGI_TOKEN_MAX_DAYS,
        initial=settings.SINERGI_TOKEN_DEFAULT_DAYS,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scopes = self.fields["scopes"]
        assert isinstance(scopes, forms.MultipleChoiceField)  # noqa: S101 - for the type checker
        scopes.choices = scope_choices()
        max_days = settings.SINERGI_TOKEN_MAX_DAYS
        self.fields["expires_days"].help_text = _("At most %(d)d days.") % {"d": max_days}


def scope_choices() -> list[tuple[str, Any]]:
    """The scopes a person may tick, labelled in their language."""
    labels = {
        "accounts": _("my profile and tokens (revoke)"),
        "agencies": _("agencies and members"),
        "blood": _("blood"),
        "cases": _("citizen services"),
        "catalog": _("data catalog"),
        "coordination": _("requests and meetings"),
        "notifications": _("notifications"),
        "programs": _("programs"),
        "regions": _("regions"),
    }
    return [
        ("read", _("Read")),
        ("write", _("Write everywhere")),
        *((f"write:{m}", _("Write: %(m)s") % {"m": labels.get(m, m)}) for m in MODULES),
    ]


class LanguageForm(forms.Form):
    """Language switch."""

    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)
