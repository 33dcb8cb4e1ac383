"""URLs of the coordination app: requests under /permintaan/, meetings under /rapat/."""

from django.urls import path

from . import views

app_name = "coordination"

urlpatterns = [
    path("permintaan/", views.inbox, name="inbox"),
    path("permintaan/daftar/", views.request_list, name="list"),
    path("permintaan/baru/", views.create, name="create"),
    path("permintaan/saran/", views.suggest, name="suggest"),
    path("permintaan/notifikasi/dibaca/", views.notifications_read, name="notifications_read"),
    path("permintaan/preferensi/", views.preferences, name="preferences"),
    path("permintaan/webhook/", views.webhooks, name="webhooks"),
    path("permintaan/webhook/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("permintaan/webhook/<int:pk>/aktif/", views.webhook_toggle, name="webhook_toggle"),
    path("permintaan/webhook/<int:pk>/rahasia/", views.webhook_rotate, name="webhook_rotate"),
    path("permintaan/webhook/<int:pk>/hapus/", views.webhook_remove, name="webhook_remove"),
    path(
        "permintaan/webhook/<int:pk>/kirim/<int:delivery_id>/",
        views.delivery_retry,
        name="delivery_retry",
    ),
    path("permintaan/<int:pk>/", views.detail, name="detail"),
    path("permintaan/<int:pk>/pesan/", views.message, name="message"),
    path("permintaan/<int:pk>/aksi/<slug:action>/", views.act, name="act"),
    path("permintaan/<int:pk>/lampiran/", views.attachment_upload, name="attachment_upload"),
    path(
        "permintaan/<int:pk>/lampiran/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("rapat/", views.meetings, name="meetings"),
    path("rapat/baru/", views.meeting_create, name="meeting_create"),
    path("rapat/kalender/", views.calendar_feeds, name="feeds"),
    path("rapat/kalender/<int:pk>/cabut/", views.feed_revoke, name="feed_revoke"),
    path("rapat/kalender/<str:token>.ics", views.feed_ics, name="feed_ics"),
    path("rapat/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("rapat/<int:pk>/notulen/", views.meeting_update, name="meeting_update"),
    path("rapat/<int:pk>/hadir/", views.meeting_attendance, name="meeting_attendance"),
    path("rapat/<int:pk>/keputusan/", views.meeting_decision, name="meeting_decision"),
    path("rapat/<int:pk>/tindak-lanjut/", views.meeting_action, name="meeting_action"),
    path("rapat/<int:pk>/rapat.ics", views.meeting_ics, name="meeting_ics"),
]
