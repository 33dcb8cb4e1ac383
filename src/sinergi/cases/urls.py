"""URLs of the cases app: /layanan/ for citizens and officers, /publik/layanan/ for the
public statistics."""

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("layanan/", views.service_list, name="list"),
    path("layanan/tanda-terima/", views.receipt, name="receipt"),
    path("layanan/tanda-terima.pdf", views.receipt_download, name="receipt_pdf"),
    path("layanan/lacak/", views.track, name="track"),
    path("layanan/lacak/status/", views.track_status, name="track_status"),
    path("layanan/lacak/dokumen/", views.track_provide, name="track_provide"),
    path("layanan/lacak/nilai/", views.track_rate, name="track_rate"),
    path("layanan/lacak/produk/", views.track_product, name="track_product"),
    path("layanan/lacak/pengaduan/", views.track_complain, name="track_complain"),
    path("layanan/kasus/", views.case_list, name="case_list"),
    path("layanan/kasus/<int:pk>/", views.case_detail, name="case_detail"),
    path("layanan/kasus/<int:pk>/tanda-terima.pdf", views.case_receipt, name="case_receipt"),
    path("layanan/kasus/<int:pk>/verifikasi/", views.case_verify, name="case_verify"),
    path("layanan/kasus/<int:pk>/tolak/", views.case_reject, name="case_reject"),
    path("layanan/kasus/<int:pk>/terbitkan/", views.case_issue, name="case_issue"),
    path(
        "layanan/kasus/<int:pk>/langkah/<int:step_pk>/<slug:action>/",
        views.step_act,
        name="step_act",
    ),
    path(
        "layanan/kasus/<int:pk>/dokumen/<int:doc_pk>/",
        views.document_download,
        name="document_download",
    ),
    path(
        "layanan/kasus/<int:pk>/pengaduan/<int:complaint_pk>/jawab/",
        views.complaint_answer,
        name="complaint_answer",
    ),
    path("layanan/standar/baru/", views.service_create, name="service_create"),
    path("layanan/<slug:slug>/", views.service_detail, name="service_detail"),
    path("layanan/<slug:slug>/ajukan/", views.case_file, name="case_file"),
    path("layanan/<slug:slug>/ubah/", views.service_edit, name="service_edit"),
    path("publik/layanan/", views.public_stats, name="public_stats"),
]
