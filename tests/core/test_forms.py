"""The date and time widgets write ISO values whatever the page's language: the browser's
pickers show nothing for "10-12-2026" or "09.00.00" (Django's Indonesian formats)."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.utils import translation

from sinergi.core.forms import DateInput, DateTimeLocalInput, TimeInput


class Sample(forms.Form):
    day = forms.DateField(widget=DateInput())
    at = forms.TimeField(widget=TimeInput())
    moment = forms.DateTimeField(widget=DateTimeLocalInput())


@pytest.mark.parametrize("language", ["id", "en"])
def test_widgets_write_iso_values_and_read_them_back(language: str) -> None:
    initial = {
        "day": dt.date(2026, 12, 10),
        "at": dt.time(9, 0),
        "moment": dt.datetime(2026, 12, 10, 9, 30),
    }
    with translation.override(language):
        html = str(Sample(initial=initial))
        assert 'type="date" name="day" value="2026-12-10"' in html
        assert 'type="time" name="at" value="09:00"' in html
        assert 'type="datetime-local" name="moment" value="2026-12-10T09:30"' in html
        posted = Sample({"day": "2026-12-10", "at": "09:00", "moment": "2026-12-10T09:30"})
        assert posted.is_valid(), posted.errors
        assert posted.cleaned_data["day"] == dt.date(2026, 12, 10)
        assert posted.cleaned_data["at"] == dt.time(9, 0)
