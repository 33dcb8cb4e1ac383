"""The translations: every message has an Indonesian text, the committed .mo files say what
their .po sources say, placeholders survive translation, and pages come out in the language
the visitor chose.

The .po files are parsed here by hand (polib is not a dependency). The .mo files are compared
with their sources by content, not by modification time: git does not keep mtimes, so a fresh
checkout can show a .mo older than its .po although both are right.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

import sinergi

LOCALE_DIR = Path(sinergi.__file__).resolve().parent / "locale"
LANGUAGES = ("id", "en")
NPLURALS = {"id": 1, "en": 2}


@dataclass
class Entry:
    """One message of a .po file."""

    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        """The lookup key gettext uses: context and id joined by EOT."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    def __str__(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(text: str) -> str:
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise ValueError(f"not a quoted PO string: {text}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the messages of a .po file."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            current, target = None, None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if obsolete:
            current.obsolete = True
        if line.startswith("#,"):
            current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, text = match.groups()
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                current.msgstr[target[1]] = _unquote(text)
            else:
                target = (keyword, None)
                setattr(current, keyword, _unquote(text))
        elif line.startswith('"') and target is not None:
            name, index = target
            if name == "msgstr":
                current.msgstr[index or 0] += _unquote(line)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line))
        else:
            raise ValueError(f"{path}:{number}: cannot parse {raw!r}")
    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, f"{path}: expected one header entry"
    return headers[0], [e for e in entries if e is not headers[0]]


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def catalogue(language: str) -> tuple[Entry, list[Entry]]:
    return parse_po(po_path(language))


# %(name)s, %(m)d, %.1f, %s; "%%" is a literal percent sign, not a placeholder.
_PYTHON_FORMAT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_BRACE_FORMAT = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def placeholders(text: str, flags: set[str]) -> Counter[str]:
    """The parts of a message a translation must keep unchanged."""
    found: Counter[str] = Counter()
    for match in _PYTHON_FORMAT.finditer(text):
        if match.group(0) == "%%":
            continue
        # Named placeholders are checked in every message (a stray one breaks "%" formatting);
        # positional ones only where gettext marked the message as a format string.
        if match.group(1) or "python-format" in flags:
            found[match.group(0)] += 1
    if "python-brace-format" in flags:
        found.update(
            "{" + m.group(1) + "}" for m in _BRACE_FORMAT.finditer(text) if m.group(1) is not None
        )
    found.update(_TEMPLATE_TAG.findall(text))
    found.update(_HTML_TAG.findall(text))
    return found


def header_value(header: Entry, name: str) -> str:
    for line in header.msgstr[0].splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    raise AssertionError(f"header has no {name}")


def test_locale_directory_is_the_project_locale_path():
    assert LOCALE_DIR in [Path(p).resolve() for p in settings.LOCALE_PATHS]
    assert {code for code, _name in settings.LANGUAGES} == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_fuzzy_or_obsolete_entries(language):
    header, entries = catalogue(language)
    bad = [str(e) for e in [header, *entries] if "fuzzy" in e.flags or e.obsolete]
    assert not bad, f"{language}: fuzzy or obsolete entries (review them):\n" + "\n".join(bad)


def test_every_indonesian_message_is_translated():
    _header, entries = catalogue("id")
    assert entries, "the Indonesian catalogue is empty"
    untranslated = [str(e) for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    assert not untranslated, "untranslated messages in id/django.po:\n" + "\n".join(untranslated)


def test_both_catalogues_hold_the_same_messages():
    """English is a real choice only if its catalogue was made from the same sources."""
    _h, indonesian = catalogue("id")
    _h, english = catalogue("en")
    assert {e.key for e in english} == {e.key for e in indonesian}


def test_english_catalogue_falls_back_to_the_source_text():
    _header, entries = catalogue("en")
    overridden = [str(e) for e in entries if any(e.msgstr.values())]
    assert not overridden, "English msgstr should stay empty; fix the msgid instead:\n" + (
        "\n".join(overridden)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms(language):
    header, entries = catalogue(language)
    assert header_value(header, "Language") == language
    assert header_value(header, "Content-Type") == "text/plain; charset=UTF-8"
    nplurals = NPLURALS[language]
    plural_forms = header_value(header, "Plural-Forms").replace(" ", "")
    assert plural_forms.startswith(f"nplurals={nplurals};"), plural_forms
    wrong = [
        str(e)
        for e in entries
        if e.msgid_plural is not None and sorted(e.msgstr) != list(range(nplurals))
    ]
    assert not wrong, f"{language}: plural entries need msgstr[0..{nplurals - 1}]:\n" + (
        "\n".join(wrong)
    )


def test_indonesian_keeps_every_placeholder():
    _header, entries = catalogue("id")
    wrong = []
    for entry in entries:
        # Indonesian has one plural form, used for every count, so it follows the plural msgid.
        source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
        expected = placeholders(source, entry.flags)
        for index, text in sorted(entry.msgstr.items()):
            got = placeholders(text, entry.flags)
            if text and got != expected:
                wrong.append(f"{entry} msgstr[{index}]: {dict(got)} != {dict(expected)}")
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(wrong)


def test_placeholder_check_catches_a_changed_name():
    """The check above would pass vacuously if it saw no placeholders at all."""
    flags = {"python-format"}
    assert placeholders("Edit %(name)s", flags) == Counter({"%(name)s": 1})
    assert placeholders("Ubah %(nama)s", flags) != placeholders("Edit %(name)s", flags)
    assert placeholders("Locked for %(m)d minutes, 100%% sure", flags) == Counter({"%(m)d": 1})
    assert placeholders("<strong>%s</strong>", flags) == Counter(
        {"<strong>": 1, "%s": 1, "</strong>": 1}
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language):
    """The committed .mo says exactly what the .po says; run compilemessages if this fails."""
    mo_path = po_path(language).with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing; run compilemessages"
    with mo_path.open("rb") as handle:
        mo = gettext.GNUTranslations(handle)
    _header, entries = catalogue(language)
    nplurals = NPLURALS[language]
    wrong = []
    expected_keys: set[object] = set()
    for entry in entries:
        if entry.msgid_plural is None:
            want = entry.msgstr.get(0) or entry.msgid
            got = (
                mo.gettext(entry.msgid)
                if entry.msgctxt is None
                else mo.pgettext(entry.msgctxt, entry.msgid)
            )
            if got != want:
                wrong.append(f"{entry}: .mo has {got!r}, .po has {want!r}")
            if entry.msgstr.get(0):
                expected_keys.add(entry.key)
            continue
        for n in (1, 2, 5):
            index = 0 if nplurals == 1 else int(n != 1)
            fallback = entry.msgid if n == 1 else entry.msgid_plural
            want = entry.msgstr.get(index) or fallback
            got = (
                mo.ngettext(entry.msgid, entry.msgid_plural, n)
                if entry.msgctxt is None
                else mo.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
            )
            if got != want:
                wrong.append(f"{entry} (n={n}): .mo has {got!r}, .po has {want!r}")
        if all(entry.msgstr.values()):
            expected_keys.update((entry.key, i) for i in range(nplurals))
    assert not wrong, f"{mo_path} is stale; run compilemessages:\n" + "\n".join(wrong)
    # Messages removed from the .po must be gone from the .mo too. GNUTranslations keeps its
    # table in the private _catalog; there is no public way to list what a .mo holds.
    compiled_keys = set(mo._catalog) - {""}  # type: ignore[attr-defined]
    assert compiled_keys == expected_keys, f"{mo_path} holds other messages than its .po"


KEY_TERMS = {
    "Agencies": "Instansi",
    "Requests": "Permintaan",
    "Programs": "Program",
    "Dashboard": "Dasbor",
    "Home": "Beranda",
    "Blood": "Darah",
    "Log in": "Masuk",
    "Log out": "Keluar",
    "Password": "Kata sandi",
    "API tokens": "Token API",
    "Audit log": "Log Audit",
    "Role": "Peran",
    "Viewer": "Pengamat",
    "Head": "Kepala",
    "Government affairs": "Urusan Pemerintahan",
    "Mandate (tugas dan fungsi)": "Tugas dan fungsi",
    "District": "Kecamatan",
    "PMI blood unit": "UDD PMI",
}


@pytest.mark.parametrize(("english", "indonesian"), KEY_TERMS.items())
def test_domain_terms_follow_the_glossary(english, indonesian):
    """Django loads our catalogue (not only its own) and uses the terms of docs/glossary.md."""
    with translation.override("id"):
        assert translation.gettext(english) == indonesian
    with translation.override("en"):
        assert translation.gettext(english) == english


@pytest.mark.django_db
def test_login_page_is_in_indonesian_by_default(client):
    response = client.get("/masuk/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "id"
    assert '<html lang="id">' in html
    assert "Masuk ke Sinergi" in html
    assert "Nama pengguna" in html
    assert "Kata sandi" in html
    assert "Lupa kata sandi?" in html
    assert "Log in to Sinergi" not in html
    assert "Forgot your password?" not in html


@pytest.mark.django_db
def test_login_page_is_in_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/masuk/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "Log in to Sinergi" in html
    assert "Username" in html
    assert "Forgot your password?" in html
    assert "Masuk ke Sinergi" not in html
    assert "Kata sandi" not in html
