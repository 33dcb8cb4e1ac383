#!/usr/bin/env python3
"""Regenerate ``src/sinergi/regions/data/regions.csv`` from the ``idn-area-data`` npm package.

The package redistributes the Kemendagri code list (Kepmendagri on "Pemberian dan
Pemutakhiran Kode, Data Wilayah Administrasi Pemerintahan, dan Pulau") as CSV files.
This script:

1. runs ``npm pack idn-area-data@<VERSION>`` in a temporary directory (nothing is
   installed and nothing is written into the repository except the output CSV);
2. checks the tarball against the pinned npm ``integrity`` (sha512) value;
3. reads the province, regency and district CSVs straight from the tarball;
4. normalises codes (dotted Kemendagri form) and names (readable case);
5. assigns each row the IANA time zone of its province;
6. sorts by code, writes the CSV and prints the counts.

Only the standard library is used. Run from the repository root::

    .venv/bin/python scripts/fetch_regions.py

Use ``--tarball PATH`` to work from an already downloaded tarball (it is still
checked against the pinned integrity value).
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

PACKAGE = "idn-area-data"
VERSION = "4.0.1"
# npm "integrity" of idn-area-data-4.0.1.tgz as published in the registry.
INTEGRITY = (
    "sha512-PhNSIl5T7swVwwWxJOFMtCaeHAF9TUu0HLDf+36EIWZro9j7"
    "au83AFIJiBQGL+iRsBDA2OlpJ5fjiqxNYndzOQ=="
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "src" / "sinergi" / "regions" / "data" / "regions.csv"

HEADER = ("code", "name", "level", "parent_code", "timezone")

# Counts the pinned version must produce. Update together with VERSION/INTEGRITY.
EXPECTED_COUNTS = {
    "province": 38,
    "regency": 416,
    "city": 98,
    "district": 7285,
}
SANGGAU_CODE = "61.03"
EXPECTED_SANGGAU_DISTRICTS = 15

JAKARTA = "Asia/Jakarta"  # WIB
PONTIANAK = "Asia/Pontianak"  # WIB, Kalimantan Barat and Kalimantan Tengah
MAKASSAR = "Asia/Makassar"  # WITA
JAYAPURA = "Asia/Jayapura"  # WIT

# Every province is listed explicitly so that a new province fails loudly instead of
# silently getting a guessed zone.
PROVINCE_TIMEZONES = {
    "11": JAKARTA,  # Aceh
    "12": JAKARTA,  # Sumatera Utara
    "13": JAKARTA,  # Sumatera Barat
    "14": JAKARTA,  # Riau
    "15": JAKARTA,  # Jambi
    "16": JAKARTA,  # Sumatera Selatan
    "17": JAKARTA,  # Bengkulu
    "18": JAKARTA,  # Lampung
    "19": JAKARTA,  # Kepulauan Bangka Belitung
    "21": JAKARTA,  # Kepulauan Riau
    "31": JAKARTA,  # DKI Jakarta
    "32": JAKARTA,  # Jawa Barat
    "33": JAKARTA,  # Jawa Tengah
    "34": JAKARTA,  # DI Yogyakarta
    "35": JAKARTA,  # Jawa Timur
    "36": JAKARTA,  # Banten
    "51": MAKASSAR,  # Bali
    "52": MAKASSAR,  # Nusa Tenggara Barat
    "53": MAKASSAR,  # Nusa Tenggara Timur
    "61": PONTIANAK,  # Kalimantan Barat
    "62": PONTIANAK,  # Kalimantan Tengah
    "63": MAKASSAR,  # Kalimantan Selatan
    "64": MAKASSAR,  # Kalimantan Timur
    "65": MAKASSAR,  # Kalimantan Utara
    "71": MAKASSAR,  # Sulawesi Utara
    "72": MAKASSAR,  # Sulawesi Tengah
    "73": MAKASSAR,  # Sulawesi Selatan
    "74": MAKASSAR,  # Sulawesi Tenggara
    "75": MAKASSAR,  # Gorontalo
    "76": MAKASSAR,  # Sulawesi Barat
    "81": JAYAPURA,  # Maluku
    "82": JAYAPURA,  # Maluku Utara
    "91": JAYAPURA,  # Papua
    "92": JAYAPURA,  # Papua Barat
    "93": JAYAPURA,  # Papua Selatan
    "94": JAYAPURA,  # Papua Tengah
    "95": JAYAPURA,  # Papua Pegunungan
    "96": JAYAPURA,  # Papua Barat Daya
}

# Defects in the source that the generic case rules cannot repair, keyed by code.
# Each entry records the source spelling it expects, so a later release that fixes
# (or changes) the name is reported instead of being overwritten blindly.
NAME_OVERRIDES = {
    # Sumenep: the apostrophe arrives as a CSV-escaped double quote.
    "35.29.22": ('Ra"as', "Ra'as"),
    # Timor Tengah Selatan: Kemendagri writes KOT'OLIN; the apostrophe became a space.
    "53.02.20": ("Kot olin", "Kot'olin"),
}

# Words that stay lower case inside a name ("Pangkajene dan Kepulauan", "2 x 11 Kayu Tanam").
LOWER_WORDS = {"dan", "x"}
ROMAN_NUMERAL = re.compile(r"^[IVXL]+$")


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def npm_integrity(data: bytes) -> str:
    digest = hashlib.sha512(data).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def npm_pack(workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        fail("npm is not on PATH; install Node.js or pass --tarball")
    spec = f"{PACKAGE}@{VERSION}"
    # Fixed argument list, no shell: the only variable part is the pinned spec above.
    result = subprocess.run(  # noqa: S603
        [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)],
        cwd=workdir,
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        fail(f"npm pack {spec} failed:\n{result.stderr.strip()}")
    try:
        filename = json.loads(result.stdout)[0]["filename"]
    except (ValueError, LookupError):
        tarballs = sorted(workdir.glob("*.tgz"))
        if len(tarballs) != 1:
            fail(f"could not find the tarball written by npm pack in {workdir}")
        return tarballs[0]
    return workdir / filename


def read_csv_member(archive: tarfile.TarFile, name: str) -> list[dict[str, str]]:
    member = f"package/data/{name}"
    try:
        handle = archive.extractfile(member)
    except KeyError:
        fail(f"{member} is missing from the tarball")
    if handle is None:
        fail(f"{member} is not a regular file")
    text = handle.read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def normalise_code(raw: str, parts: int) -> str:
    """Return the dotted Kemendagri code (``61``, ``61.03``, ``61.03.01``)."""
    digits = raw.strip().replace(".", "")
    if not digits.isdigit() or len(digits) != 2 * parts:
        fail(f"unexpected code {raw!r} (expected {parts} two-digit parts)")
    return ".".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def title_word(word: str) -> str:
    """Readable case for one word of an all-capitals name."""
    if ROMAN_NUMERAL.match(word):
        return word
    lowered = word.lower()
    if lowered in LOWER_WORDS:
        return lowered
    # Capitalise after "(" and "/", keep hyphenated reduplication lower ("Pulau-pulau").
    out = []
    capitalise = True
    for char in lowered:
        if capitalise and char.isalpha():
            out.append(char.upper())
            capitalise = False
        else:
            out.append(char)
        if char in "(/":
            capitalise = True
    return "".join(out)


def readable_name(raw: str) -> str:
    name = " ".join(raw.split())
    if name.isupper():
        return " ".join(title_word(word) for word in name.split(" "))
    words = []
    for word in name.split(" "):
        if word in LOWER_WORDS or not word[:1].islower():
            words.append(word)
        else:
            words.append(word[:1].upper() + word[1:])
    return " ".join(words)


def fix_name(code: str, raw: str, notes: list[str]) -> str:
    override = NAME_OVERRIDES.get(code)
    if override is not None:
        expected, fixed = override
        if raw.strip() == expected:
            notes.append(f"{code}: {raw!r} -> {fixed!r} (override)")
            return fixed
        notes.append(f"{code}: override for {expected!r} not applied, source now has {raw!r}")
    name = readable_name(raw)
    if name != raw:
        notes.append(f"{code}: {raw!r} -> {name!r}")
    return name


def build_rows(archive: tarfile.TarFile, notes: list[str]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    timezone_of: dict[str, str] = {}

    for item in read_csv_member(archive, "provinces.csv"):
        code = normalise_code(item["code"], 1)
        if code not in PROVINCE_TIMEZONES:
            fail(f"province {code} {item['name']!r} has no time zone in PROVINCE_TIMEZONES")
        timezone_of[code] = PROVINCE_TIMEZONES[code]
        rows.append(
            {
                "code": code,
                "name": fix_name(code, item["name"], notes),
                "level": "province",
                "parent_code": "",
                "timezone": timezone_of[code],
            }
        )
    missing = sorted(set(PROVINCE_TIMEZONES) - set(timezone_of))
    if missing:
        fail(f"provinces in PROVINCE_TIMEZONES but not in the source: {missing}")

    for item in read_csv_member(archive, "regencies.csv"):
        code = normalise_code(item["code"], 2)
        parent = normalise_code(item["province_code"], 1)
        if not code.startswith(parent + ".") or parent not in timezone_of:
            fail(f"regency {code} has an inconsistent province code {parent!r}")
        name = fix_name(code, item["name"], notes)
        if name.startswith("Kabupaten "):
            level = "regency"
        elif name.startswith("Kota "):
            level = "city"
        else:
            fail(f"regency {code} {name!r} starts with neither 'Kabupaten' nor 'Kota'")
        # Kemendagri numbers kota from 71 upwards; cross-check the name against the code.
        if (level == "city") != (int(code[-2:]) >= 70):
            fail(f"regency {code} {name!r}: level {level} disagrees with its code")
        timezone_of[code] = timezone_of[parent]
        rows.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "parent_code": parent,
                "timezone": timezone_of[code],
            }
        )

    for item in read_csv_member(archive, "districts.csv"):
        code = normalise_code(item["code"], 3)
        parent = normalise_code(item["regency_code"], 2)
        if not code.startswith(parent + ".") or parent not in timezone_of:
            fail(f"district {code} has an inconsistent regency code {parent!r}")
        rows.append(
            {
                "code": code,
                "name": fix_name(code, item["name"], notes),
                "level": "district",
                "parent_code": parent,
                "timezone": timezone_of[parent],
            }
        )

    duplicates = [code for code, n in Counter(row["code"] for row in rows).items() if n > 1]
    if duplicates:
        fail(f"duplicate codes in the source: {duplicates[:10]}")
    rows.sort(key=lambda row: tuple(int(part) for part in row["code"].split(".")))
    return rows


def write_csv(rows: list[dict[str, str]], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".regions-", suffix=".csv", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.chmod(tmp_name, 0o644)  # mkstemp creates 0600; the data file is public
        os.replace(tmp_name, output)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tarball", type=Path, help="use this idn-area-data tarball")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="CSV to write")
    parser.add_argument("--verbose", action="store_true", help="list every name change")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="idn-area-data-") as tmp:
        tarball = args.tarball or npm_pack(Path(tmp))
        data = tarball.read_bytes()

    integrity = npm_integrity(data)
    if integrity != INTEGRITY:
        fail(
            f"integrity mismatch for {tarball.name}:\n"
            f"  got      {integrity}\n  expected {INTEGRITY}"
        )
    print(f"{PACKAGE}@{VERSION}: integrity ok ({integrity[:27]}...)")

    notes: list[str] = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        rows = build_rows(archive, notes)
    write_csv(rows, args.output)

    counts = Counter(row["level"] for row in rows)
    sanggau = [row for row in rows if row["parent_code"] == SANGGAU_CODE]
    print(f"wrote {len(rows)} rows to {args.output}")
    for level in ("province", "regency", "city", "district"):
        print(f"  {level:<9} {counts[level]:>5}")
    print(f"  kabupaten/kota {counts['regency'] + counts['city']}")
    print(f"  kecamatan in {SANGGAU_CODE} (Sanggau): {len(sanggau)}")
    print(f"  names changed from the source: {len(notes)}")
    if args.verbose:
        for note in notes:
            print(f"    {note}")

    problems = [
        f"{level}: expected {expected}, got {counts[level]}"
        for level, expected in EXPECTED_COUNTS.items()
        if counts[level] != expected
    ]
    if len(sanggau) != EXPECTED_SANGGAU_DISTRICTS:
        problems.append(
            f"Sanggau kecamatan: expected {EXPECTED_SANGGAU_DISTRICTS}, got {len(sanggau)}"
        )
    if problems:
        print(
            "counts differ from EXPECTED_COUNTS (update them when bumping VERSION):",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
