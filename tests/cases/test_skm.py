"""The SKM index of PermenPANRB 14/2017 against a hand-computed example."""

from __future__ import annotations

from typing import Any

from sinergi.cases import skm


def test_index_by_hand() -> None:
    # Three respondents. Element means (NRR): u1 (4+3+3)/3=3.333…, u2 3, u3 (2+3+4)/3=3,
    # u4 4, u5 3, u6 (4+4+3)/3=3.667, u7 4, u8 (2+2+2)/3=2, u9 3.
    answers = [
        [4, 3, 2, 4, 3, 4, 4, 2, 3],
        [3, 3, 3, 4, 3, 4, 4, 2, 3],
        [3, 3, 4, 4, 3, 3, 4, 2, 3],
    ]
    nrr = skm.element_values(answers)
    assert nrr is not None and round(nrr[0], 3) == 3.333 and round(nrr[5], 3) == 3.667
    # Sum of NRR = 3.333+3+3+4+3+3.667+4+2+3 = 29; /9 = 3.2222; × 25 = 80.56 → grade B.
    assert skm.index(answers) == 80.56
    assert skm.grade(80.56) == "B"


def test_grade_boundaries() -> None:
    assert skm.grade(100) == "A" and skm.grade(88.31) == "A"
    assert skm.grade(88.30) == "B" and skm.grade(76.61) == "B"
    assert skm.grade(76.60) == "C" and skm.grade(65.00) == "C"
    assert skm.grade(64.99) == "D" and skm.grade(25) == "D"
    assert skm.index([]) is None and skm.grade(None) == ""


def test_public_page_shows_the_index(db: Any) -> None:
    from django.test import Client

    from sinergi.cases.models import Rating
    from sinergi.cases.selectors import public_figures

    per_service, per_agency, overall = public_figures()
    assert overall.ratings == Rating.objects.count() > 0
    expected = skm.index(list(Rating.objects.values_list("scores", flat=True)))
    assert overall.skm_index == expected
    page = Client().get("/publik/layanan/").content.decode()
    pbg = next(f for f in per_service if f.key == "pbg")
    assert "Persetujuan Bangunan Gedung (PBG)" in page
    assert any(f.key == "dlh-sanggau" for f in per_agency)
    assert f"{pbg.skm_index:.2f}".replace(".", ",") in page
