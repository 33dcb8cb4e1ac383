"""Blood compatibility rules as pure functions (no Django): which donor groups may serve a
recipient, and which substitutes to offer when the requested group is short.

Red cells: O to all, A to A and AB, B to B and AB, AB to AB. Plasma the reverse: AB to
all, A to A and O, B to B and O, O to O; RhD does not matter for plasma. Whole blood and
platelets: the same ABO group only. RhD− recipients get RhD− cells; RhD− stock is
protected: it is offered to an RhD+ recipient only for a cito request when the compatible
RhD+ stock cannot cover the need.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

GROUPS: Final = ("O", "A", "B", "AB")
RH: Final = ("pos", "neg")

_RED_CELLS_DONORS: Final = {
    "O": ("O",),
    "A": ("A", "O"),
    "B": ("B", "O"),
    "AB": ("AB", "A", "B", "O"),
}
_PLASMA_DONORS: Final = {
    "O": ("O", "A", "B", "AB"),
    "A": ("A", "AB"),
    "B": ("B", "AB"),
    "AB": ("AB",),
}


def abo_donors(component: str, recipient_abo: str) -> tuple[str, ...]:
    """ABO groups that may give this component to the recipient, identical group first."""
    if component == "red_cells":
        return _RED_CELLS_DONORS[recipient_abo]
    if component == "plasma":
        return _PLASMA_DONORS[recipient_abo]
    return (recipient_abo,)


def is_compatible(
    component: str, donor_abo: str, donor_rh: str, recipient_abo: str, recipient_rh: str
) -> bool:
    """Whether a donor cell may be given to the recipient at all (medical rule only)."""
    if donor_abo not in abo_donors(component, recipient_abo):
        return False
    if component == "plasma":
        return True
    return not (recipient_rh == "neg" and donor_rh == "pos")


def substitutes(
    component: str,
    recipient_abo: str,
    recipient_rh: str,
    *,
    urgency: str,
    needed: int,
    stock: Mapping[tuple[str, str], int],
) -> list[tuple[str, str]]:
    """Donor cells (ABO, RhD) to offer, in order of preference, given the stock held.

    The requested cell comes first, then the other compatible groups. RhD− cells go to an
    RhD+ recipient only when the request is cito and the compatible RhD+ stock is less than
    the bags still needed; plasma ignores RhD (same RhD listed first).
    """
    abo_order = abo_donors(component, recipient_abo)
    if component == "plasma":
        other = "neg" if recipient_rh == "pos" else "pos"
        return [(a, r) for a in abo_order for r in (recipient_rh, other)]
    if recipient_rh == "neg":
        return [(a, "neg") for a in abo_order]
    offered = [(a, "pos") for a in abo_order]
    pos_stock = sum(max(stock.get(cell, 0), 0) for cell in offered)
    if urgency == "cito" and pos_stock < needed:
        offered += [(a, "neg") for a in abo_order]
    return offered
