"""Insights API: coordination metrics per agency, per pair, per programme, and the public
scoreboard."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["insights"])
public_router = Router(tags=["public"])
