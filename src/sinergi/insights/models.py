"""Summary tables of the insights app (facts per request, aggregates per month)."""
