"""Helpers of the cases tests: valid applicant data and files."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n% test\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
NIK = "6103014509900012"  # Kapuas, a woman born 5 September 1990
PHONE = "0812 3456 7890"


def pdf(name: str = "dokumen.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    """A small PDF upload."""
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def pbg_post(**overrides: Any) -> dict[str, Any]:
    """A complete building-approval application."""
    data: dict[str, Any] = {
        "applicant_name": "Maria Lestari",
        "nik": NIK,
        "phone": PHONE,
        "email": "",
        "field_lokasi": "Jl. Sudirman 10, Sanggau",
        "field_fungsi": "Hunian",
        "doc_bukti_tanah": pdf("tanah.pdf"),
        "doc_gambar": pdf("gambar.pdf"),
        "doc_sppl": pdf("sppl.pdf"),
    }
    data.update(overrides)
    return data


def file_pbg(client: Any, **overrides: Any) -> Any:
    """File a PBG application through the form; returns the response."""
    return client.post("/layanan/pbg/ajukan/", pbg_post(**overrides))
