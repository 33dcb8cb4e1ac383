from typing import Any


def test_demo_has_cases(db: Any) -> None:
    from sinergi.cases.models import Case, Rating, Service

    assert Service.objects.count() == 5
    assert Case.objects.count() >= 55
    assert set(Case.objects.values_list("status", flat=True)) == {
        "verification",
        "in_process",
        "waiting_citizen",
        "issuing",
        "finished",
        "rejected",
    }
    assert Rating.objects.count() > 5
