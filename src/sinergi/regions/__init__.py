"""Kemendagri regions: provinces, kabupaten/kota and kecamatan."""
