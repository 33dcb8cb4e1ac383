"""URLs of the programs app."""

from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("", views.index, name="index"),
    path("baru/", views.create, name="create"),
    path("kerja-saya/", views.my_work_view, name="my_work"),
    path("serah-terima/", views.handoffs_view, name="handoffs"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/ubah/", views.edit, name="edit"),
    path("<str:code>/mitra/", views.partner_add, name="partner_add"),
    path("<str:code>/komitmen/", views.commitment_add, name="commitment_add"),
    path("<str:code>/indikator/", views.indicator_add, name="indicator_add"),
    path(
        "<str:code>/komitmen/<int:commitment_id>/penuhi/",
        views.commitment_fulfil,
        name="commitment_fulfil",
    ),
    path(
        "<str:code>/indikator/<int:indicator_id>/capaian/",
        views.indicator_record,
        name="indicator_record",
    ),
    path("<str:code>/kegiatan/", views.item_add, name="item_add"),
    path("<str:code>/kegiatan/<int:item_id>/progres/", views.progress, name="progress"),
    path("<str:code>/ketergantungan/", views.dependency_add, name="dependency_add"),
    path("<str:code>/gantt/", views.gantt_page, name="gantt"),
    path("<str:code>/gantt.svg", views.gantt_svg, name="gantt_svg"),
    path("<str:code>/baseline/", views.baselines, name="baselines"),
    path("<str:code>/ekspor/", views.export, name="export"),
    path("<str:code>/usulan/", views.proposal_new, name="proposal_new"),
    path(
        "<str:code>/usulan/<int:proposal_id>/terima/",
        views.proposal_decide,
        {"action": "accept"},
        name="proposal_accept",
    ),
    path(
        "<str:code>/usulan/<int:proposal_id>/tolak/",
        views.proposal_decide,
        {"action": "reject"},
        name="proposal_reject",
    ),
    path("<str:code>/impor/", views.import_view, name="import"),
    path("<str:code>/impor/<int:job_id>/", views.import_job, name="import_job"),
    path("<str:code>/templat-kegiatan.xlsx", views.xlsx_template, name="xlsx_template"),
]
