"""URLs of the catalog: the signed-in pages under /data/, the public catalog under
/publik/data/ and the CKAN-compatible Action API."""

from django.urls import path

from . import ckan, dcat, views

app_name = "catalog"

urlpatterns = [
    path("data/", views.index, name="index"),
    path("data/baru/", views.create, name="create"),
    path("data/kesehatan-data/", views.health, name="health"),
    path("data/permintaan/", views.requests, name="requests"),
    path("data/permintaan/baru/", views.request_create, name="request_create"),
    path("data/permintaan/<int:pk>/penuhi/", views.request_fulfil, name="request_fulfil"),
    path("data/<slug:slug>/", views.detail, name="detail"),
    path("data/<slug:slug>/ubah/", views.edit, name="edit"),
    path("data/<slug:slug>/unggah/", views.upload, name="upload"),
    path("data/<slug:slug>/skema/", views.units, name="units"),
    path("data/<slug:slug>/kolom-penyaring/", views.filter_columns, name="filter_columns"),
    path("data/<slug:slug>/ajukan/", views.submit, name="submit"),
    path("data/<slug:slug>/verifikasi/", views.verify, name="verify"),
    path("data/<slug:slug>/pratinjau/", views.preview, name="preview"),
    path("data/<slug:slug>/ringkasan/", views.summary, name="summary"),
    path("data/<slug:slug>/unduh.csv", views.download, name="download"),
    path("data/<slug:slug>/unduh.json", views.download, {"fmt": "json"}, name="download_json"),
    path("data/<slug:slug>/unduh.xlsx", views.download, {"fmt": "xlsx"}, name="download_xlsx"),
    path("publik/data/", views.public_index, name="public_index"),
    path("publik/data/dcat.jsonld", dcat.catalog, name="dcat"),
    path("publik/data/<slug:slug>/", views.public_detail, name="public_detail"),
    path("api/3/action/<str:name>", ckan.action, name="ckan_action"),
    path("api/action/<str:name>", ckan.action, name="ckan_action_unversioned"),
]
