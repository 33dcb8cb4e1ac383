"""The compatibility rules, checked against an exhaustive table."""

from __future__ import annotations

import itertools

import pytest

from sinergi.blood.compatibility import abo_donors, is_compatible, substitutes

GROUPS = ("O", "A", "B", "AB")
RH = ("pos", "neg")

# Donor ABO → recipients it may serve (the textbook tables).
RED_CELLS = {"O": {"O", "A", "B", "AB"}, "A": {"A", "AB"}, "B": {"B", "AB"}, "AB": {"AB"}}
PLASMA = {"AB": {"O", "A", "B", "AB"}, "A": {"A", "O"}, "B": {"B", "O"}, "O": {"O"}}


def expected(component: str, donor: tuple[str, str], recipient: tuple[str, str]) -> bool:
    (d_abo, d_rh), (r_abo, r_rh) = donor, recipient
    if component == "plasma":
        return r_abo in PLASMA[d_abo]
    abo_ok = r_abo in RED_CELLS[d_abo] if component == "red_cells" else d_abo == r_abo
    return abo_ok and not (r_rh == "neg" and d_rh == "pos")


CELLS = list(itertools.product(GROUPS, RH))
TABLE = [
    (component, donor, recipient)
    for component in ("red_cells", "plasma", "whole_blood", "platelets")
    for donor in CELLS
    for recipient in CELLS
]


@pytest.mark.parametrize(("component", "donor", "recipient"), TABLE)
def test_every_donor_recipient_pair(
    component: str, donor: tuple[str, str], recipient: tuple[str, str]
) -> None:
    assert is_compatible(component, *donor, *recipient) is expected(component, donor, recipient)


def test_identical_group_is_offered_first() -> None:
    for component in ("red_cells", "plasma", "whole_blood", "platelets"):
        for abo in GROUPS:
            assert abo_donors(component, abo)[0] == abo


@pytest.mark.parametrize("urgency", ["routine", "urgent", "cito"])
@pytest.mark.parametrize(("recipient", "stock"), [(c, s) for c in CELLS for s in (0, 1, 50)])
def test_substitutes_are_always_compatible(
    urgency: str, recipient: tuple[str, str], stock: int
) -> None:
    held = dict.fromkeys(CELLS, stock)
    for component in ("red_cells", "plasma", "whole_blood", "platelets"):
        offered = substitutes(component, *recipient, urgency=urgency, needed=4, stock=held)
        assert offered[0] == recipient
        assert len(offered) == len(set(offered))
        for donor in offered:
            assert is_compatible(component, *donor, *recipient)


def test_rh_negative_recipient_gets_only_rh_negative_red_cells() -> None:
    stock = dict.fromkeys(CELLS, 10)
    assert substitutes("red_cells", "O", "neg", urgency="cito", needed=4, stock=stock) == [
        ("O", "neg")
    ]
    assert substitutes("red_cells", "AB", "neg", urgency="routine", needed=1, stock=stock) == [
        ("AB", "neg"),
        ("A", "neg"),
        ("B", "neg"),
        ("O", "neg"),
    ]


def test_rh_negative_stock_is_protected() -> None:
    plenty = dict.fromkeys(CELLS, 10)
    # Rh+ stock covers the need: never offer Rh− to an Rh+ recipient, even cito.
    assert ("O", "neg") not in substitutes(
        "red_cells", "A", "pos", urgency="cito", needed=4, stock=plenty
    )
    short = {**plenty, ("A", "pos"): 1, ("O", "pos"): 1}
    # Rh+ cannot cover the need: Rh− only when cito, after every Rh+ option.
    for urgency in ("routine", "urgent"):
        offered = substitutes("red_cells", "A", "pos", urgency=urgency, needed=4, stock=short)
        assert offered == [("A", "pos"), ("O", "pos")]
    offered = substitutes("red_cells", "A", "pos", urgency="cito", needed=4, stock=short)
    assert offered == [("A", "pos"), ("O", "pos"), ("A", "neg"), ("O", "neg")]


def test_plasma_goes_the_other_way_and_ignores_rh() -> None:
    stock = dict.fromkeys(CELLS, 10)
    assert substitutes("plasma", "O", "pos", urgency="routine", needed=1, stock=stock)[:3] == [
        ("O", "pos"),
        ("O", "neg"),
        ("A", "pos"),
    ]
    assert {
        a for a, _r in substitutes("plasma", "AB", "neg", urgency="cito", needed=1, stock=stock)
    } == {"AB"}
