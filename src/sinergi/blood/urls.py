"""URLs of the blood app (under /darah/)."""

from django.urls import path

from . import bag_views, views

app_name = "blood"

urlpatterns = [
    path("", views.index, name="index"),
    path("ticker.json", views.ticker_json, name="ticker_json"),
    path("ticker", views.ticker, name="ticker"),
    path("embed.js", views.embed_js, name="embed_js"),
    path("stok/<slug:slug>/", views.public_unit, name="public_unit"),
    path("udd/<slug:slug>/", views.unit_page, name="unit"),
    path("udd/<slug:slug>/isian/", views.unit_levels, name="unit_levels"),
    path("udd/<slug:slug>/mutasi/", views.movement_new, name="movement_new"),
    path("udd/<slug:slug>/riwayat/", views.history, name="history"),
    path("udd/<slug:slug>/unggah/", views.upload, name="upload"),
    path("udd/<slug:slug>/panggilan/", views.donor_call, name="donor_call"),
    path("udd/<slug:slug>/kantong/", bag_views.bags, name="bags"),
    path("udd/<slug:slug>/pelacakan-kantong/", bag_views.bag_tracking, name="bag_tracking"),
    path("kantong/<int:pk>/", bag_views.bag_detail, name="bag"),
    path(
        "panggilan/<int:pk>/terbitkan/",
        views.donor_call_publish,
        name="donor_call_publish",
    ),
    path(
        "panggilan/<int:pk>/tutup/",
        views.donor_call_close,
        name="donor_call_close",
    ),
    path("permintaan/", views.requests, name="requests"),
    path("permintaan/baru/", views.request_new, name="request_new"),
    path("permintaan/<int:pk>/", views.request_detail, name="request"),
    path(
        "permintaan/<int:pk>/terima/",
        views.request_accept,
        name="request_accept",
    ),
    path(
        "permintaan/<int:pk>/alokasi/",
        views.request_allocate,
        name="request_allocate",
    ),
    path(
        "permintaan/<int:pk>/tolak/",
        views.request_decline,
        name="request_decline",
    ),
    path(
        "permintaan/<int:pk>/dropping/",
        views.request_dropping,
        name="request_dropping",
    ),
    path("dropping/<int:pk>/kirim/", views.dropping_fulfil, name="dropping_fulfil"),
    path(
        "dropping/<int:pk>/tolak/",
        views.dropping_decline,
        name="dropping_decline",
    ),
    path("dasbor/", views.dashboard, name="dashboard"),
]
