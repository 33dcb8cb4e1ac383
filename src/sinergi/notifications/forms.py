"""Forms of the notification centre."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .events import CATEGORIES, MODULE_LABELS
from .models import Delivery


class FilterForm(forms.Form):
    """Filters of /notifikasi/: module and unread only."""

    module = forms.ChoiceField(label=_("Module"), required=False)
    unread = forms.BooleanField(label=_("Unread only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        module = self.fields["module"]
        assert isinstance(module, forms.ChoiceField)  # noqa: S101 - declared above
        module.choices = [("", _("All modules")), *MODULE_LABELS.items()]


class PreferencesForm(forms.Form):
    """How each category reaches the user, the daily digest and the urgent-alert channels.
    The category fields are added per registered category."""

    daily_digest = forms.BooleanField(
        label=_("Daily digest"),
        required=False,
        help_text=_(
            "Every morning: what waits for my agency, what is overdue or due within three "
            "working days, this week's meetings, and the notifications you chose to receive "
            "in the digest."
        ),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=20,
        help_text=_(
            "For urgent alerts (CITO blood requests) by WhatsApp or SMS, e.g. 0812 3456 7890."
        ),
    )
    whatsapp = forms.BooleanField(label=_("Urgent alerts by WhatsApp"), required=False)
    sms = forms.BooleanField(label=_("Urgent alerts by SMS"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = {
            f"cat_{key}": forms.ChoiceField(
                label=category.label,
                choices=Delivery.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            for key, category in CATEGORIES.items()
        }
        self.fields = {**categories, **self.fields}

    def delivery(self) -> dict[str, str]:
        """The chosen delivery per category."""
        return {
            name.removeprefix("cat_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("cat_") and value
        }
