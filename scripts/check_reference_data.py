#!/usr/bin/env python3
"""Check the shipped reference data for internal consistency.

Checks ``src/sinergi/regions/data/regions.csv`` and the JSON files in
``src/sinergi/agencies/data/``: formats, uniqueness, and that every region code,
parent, sector slug and affair code an agency refers to exists. Prints every problem
found and exits with status 1 if there is any. Standard library only::

    .venv/bin/python scripts/check_reference_data.py
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REGIONS_CSV = REPO_ROOT / "src" / "sinergi" / "regions" / "data" / "regions.csv"
AGENCY_DATA = REPO_ROOT / "src" / "sinergi" / "agencies" / "data"

REGION_HEADER = ["code", "name", "level", "parent_code", "timezone"]
LEVEL_CODE = {
    "province": re.compile(r"^\d{2}$"),
    "regency": re.compile(r"^\d{2}\.\d{2}$"),
    "city": re.compile(r"^\d{2}\.\d{2}$"),
    "district": re.compile(r"^\d{2}\.\d{2}\.\d{2}$"),
}
PARENT_LEVELS = {
    "province": set(),
    "regency": {"province"},
    "city": {"province"},
    "district": {"regency", "city"},
}
TIMEZONES = {"Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"}

SECTOR_KEYS = ["slug", "name", "name_en"]
SECTOR_SLUG = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

AFFAIR_KEYS = ["code", "name", "name_en", "category"]
AFFAIR_CODE = re.compile(r"^[1-8]\.\d{2}$")
# The first digit of a nomenclature code fixes its group.
AFFAIR_CATEGORY_BY_GROUP = {
    "1": "wajib_pelayanan_dasar",
    "2": "wajib_non_pelayanan_dasar",
    "3": "pilihan",
    "4": "penunjang",
    "5": "penunjang",
    "6": "penunjang",
    "7": "penunjang",
    "8": "pemerintahan_umum",
}

AGENCY_KEYS = [
    "slug",
    "name",
    "short_name",
    "kind",
    "parent",
    "region",
    "sectors",
    "affairs",
    "mandate",
    "head_title",
    "address",
    "phone",
    "email",
    "website",
]
AGENCY_KINDS = {
    "ministry",
    "non_ministerial_agency",
    "provincial_government",
    "regency_government",
    "opd",
    "vertical_office",
    "hospital",
    "blood_unit",
    "bumn",
    "bumd",
    "ngo",
    "business",
    "community",
}
AGENCY_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ROOT_SLUG = "pemkab-sanggau"
ROOT_REGION = "61.03"
PLACEHOLDER_DOMAIN = "@sanggau.go.id"


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def check_regions(problems: Problems) -> dict[str, dict[str, str]]:
    where = REGIONS_CSV.relative_to(REPO_ROOT).as_posix()
    if not REGIONS_CSV.is_file():
        problems.add(where, "missing")
        return {}
    with REGIONS_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != REGION_HEADER:
            problems.add(where, f"header is {reader.fieldnames}, expected {REGION_HEADER}")
            return {}
        rows = list(reader)

    regions: dict[str, dict[str, str]] = {}
    for line, row in enumerate(rows, start=2):
        code, level = row["code"], row["level"]
        if level not in LEVEL_CODE:
            problems.add(f"{where}:{line}", f"unknown level {level!r}")
            continue
        if not LEVEL_CODE[level].match(code):
            problems.add(f"{where}:{line}", f"code {code!r} does not fit level {level}")
        if code in regions:
            problems.add(f"{where}:{line}", f"duplicate code {code}")
        if not row["name"].strip() or row["name"] != row["name"].strip():
            problems.add(f"{where}:{line}", f"bad name {row['name']!r}")
        if row["timezone"] not in TIMEZONES:
            problems.add(f"{where}:{line}", f"unexpected time zone {row['timezone']!r}")
        regions[code] = row

    for code, row in regions.items():
        parent = row["parent_code"]
        allowed = PARENT_LEVELS.get(row["level"], set())
        if not allowed:
            if parent:
                problems.add(where, f"{code}: a province must not have a parent")
            continue
        parent_row = regions.get(parent)
        if parent_row is None:
            problems.add(where, f"{code}: parent {parent!r} does not exist")
        elif parent_row["level"] not in allowed or not code.startswith(parent + "."):
            problems.add(where, f"{code}: parent {parent} is not a valid parent")
        elif parent_row["timezone"] != row["timezone"]:
            problems.add(where, f"{code}: time zone differs from parent {parent}")
    return regions


def load_json_list(name: str, problems: Problems) -> list[dict]:
    path = AGENCY_DATA / name
    where = path.relative_to(REPO_ROOT).as_posix()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.add(where, "missing")
        return []
    except ValueError as exc:
        problems.add(where, f"invalid JSON: {exc}")
        return []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        problems.add(where, "must be a list of objects")
        return []
    return data


def check_keys(where: str, item: dict, keys: list[str], problems: Problems) -> bool:
    if list(item) != keys:
        problems.add(where, f"keys are {list(item)}, expected {keys}")
        return False
    return True


def non_empty_strings(where: str, item: dict, keys: list[str], problems: Problems) -> None:
    for key in keys:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.add(where, f"{key} must be a non-empty string")


def check_sectors(problems: Problems) -> set[str]:
    slugs: set[str] = set()
    for index, item in enumerate(load_json_list("sectors.json", problems)):
        where = f"sectors.json[{index}]"
        if not check_keys(where, item, SECTOR_KEYS, problems):
            continue
        non_empty_strings(where, item, SECTOR_KEYS, problems)
        slug = item["slug"]
        if not isinstance(slug, str) or not SECTOR_SLUG.match(slug):
            problems.add(where, f"slug {slug!r} is not lower snake case ASCII")
        elif slug in slugs:
            problems.add(where, f"duplicate slug {slug}")
        else:
            slugs.add(slug)
    return slugs


def check_affairs(problems: Problems) -> set[str]:
    codes: set[str] = set()
    for index, item in enumerate(load_json_list("affairs.json", problems)):
        where = f"affairs.json[{index}]"
        if not check_keys(where, item, AFFAIR_KEYS, problems):
            continue
        non_empty_strings(where, item, AFFAIR_KEYS, problems)
        code = item["code"]
        if not isinstance(code, str) or not AFFAIR_CODE.match(code):
            problems.add(where, f"code {code!r} is not like 1.01")
            continue
        if code in codes:
            problems.add(where, f"duplicate code {code}")
        codes.add(code)
        expected = AFFAIR_CATEGORY_BY_GROUP[code[0]]
        if item["category"] != expected:
            problems.add(where, f"{code}: category {item['category']!r}, expected {expected!r}")
    return codes


def ancestors(slug: str, parents: dict[str, str | None]) -> list[str] | None:
    """Return the chain of parents above ``slug``, or None on a cycle."""
    chain: list[str] = []
    current = parents.get(slug)
    while current is not None:
        if current == slug or current in chain:
            return None
        chain.append(current)
        current = parents.get(current)
    return chain


def check_agencies(
    regions: dict[str, dict[str, str]],
    sectors: set[str],
    affairs: set[str],
    problems: Problems,
) -> Counter[str]:
    items = load_json_list("sanggau_agencies.json", problems)
    valid: list[dict] = []
    slugs: Counter[str] = Counter()
    for index, item in enumerate(items):
        where = f"sanggau_agencies.json[{index}]"
        if not check_keys(where, item, AGENCY_KEYS, problems):
            continue
        where = f"sanggau_agencies.json[{item['slug']!r}]"
        non_empty_strings(where, item, ["slug", "name", "short_name", "mandate"], problems)
        non_empty_strings(where, item, ["head_title", "address"], problems)
        for key in ("phone", "email", "website"):
            if not isinstance(item[key], str):
                problems.add(where, f"{key} must be a string (may be empty)")
        if not isinstance(item["slug"], str) or not AGENCY_SLUG.match(item["slug"]):
            problems.add(where, "slug is not lower-kebab ASCII")
        if item["kind"] not in AGENCY_KINDS:
            problems.add(where, f"unknown kind {item['kind']!r}")
        if item["region"] not in regions:
            problems.add(where, f"region {item['region']!r} is not in regions.csv")
        for key, known in (("sectors", sectors), ("affairs", affairs)):
            values = item[key]
            if not isinstance(values, list):
                problems.add(where, f"{key} must be a list")
                continue
            for value in values:
                if value not in known:
                    problems.add(where, f"{key}: {value!r} does not exist")
            if len(set(values)) != len(values):
                problems.add(where, f"{key} has duplicates")
        if not item["sectors"]:
            problems.add(where, "needs at least one sector")
        if item["website"] and not item["website"].startswith("https://"):
            problems.add(where, "website must start with https://")
        slugs[item["slug"]] += 1
        valid.append(item)

    for slug, count in slugs.items():
        if count > 1:
            problems.add("sanggau_agencies.json", f"duplicate slug {slug}")

    parents = {item["slug"]: item["parent"] for item in valid}
    for item in valid:
        where = f"sanggau_agencies.json[{item['slug']!r}]"
        parent = item["parent"]
        if parent is not None and parent not in parents:
            problems.add(where, f"parent {parent!r} does not exist")
            continue
        chain = ancestors(item["slug"], parents)
        if chain is None:
            problems.add(where, "parent chain has a cycle")
            continue
        under_root = item["slug"] == ROOT_SLUG or ROOT_SLUG in chain
        email = item["email"]
        # Placeholder addresses on the regency's domain only for Pemkab units; nothing else
        # may carry an e-mail address, so no real-looking personal address can slip in.
        if email and not (under_root and email.endswith(PLACEHOLDER_DOMAIN)):
            problems.add(where, f"email {email!r} is not an allowed placeholder")
        if item["phone"]:
            problems.add(where, "phone must stay empty in the demo data")
        if under_root:
            region = item["region"]
            if region != ROOT_REGION and not region.startswith(ROOT_REGION + "."):
                problems.add(where, f"region {region} lies outside {ROOT_REGION}")

    root = next((item for item in valid if item["slug"] == ROOT_SLUG), None)
    if root is None:
        problems.add("sanggau_agencies.json", f"root {ROOT_SLUG!r} is missing")
    elif root["parent"] is not None or root["kind"] != "regency_government":
        problems.add("sanggau_agencies.json", f"{ROOT_SLUG} must be a root regency_government")
    return Counter(item["kind"] for item in valid)


def main() -> int:
    problems = Problems()
    regions = check_regions(problems)
    sectors = check_sectors(problems)
    affairs = check_affairs(problems)
    kinds = check_agencies(regions, sectors, affairs, problems)

    levels = Counter(row["level"] for row in regions.values())
    print(
        "regions: "
        + ", ".join(f"{levels[level]} {level}" for level in LEVEL_CODE)
        + f"; sectors: {len(sectors)}; affairs: {len(affairs)}; "
        + f"agencies: {sum(kinds.values())}"
    )
    if problems.items:
        for problem in problems.items:
            print(f"problem: {problem}", file=sys.stderr)
        print(f"{len(problems.items)} problem(s) found", file=sys.stderr)
        return 1
    print("reference data ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
