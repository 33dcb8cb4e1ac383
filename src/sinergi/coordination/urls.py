"""URLs of the coordination app: requests under /permintaan/, meetings under /rapat/."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "coordination"

urlpatterns = [
    path("permintaan/", views.inbox, name="inbox"),
    path("permintaan/daftar/", views.request_list, name="list"),
    path("permintaan/baru/", views.create, name="create"),
    path("permintaan/saran/", views.suggest, name="suggest"),
    # Preferences and webhooks moved to the notification centre (bookmarks keep working).
    path(
        "permintaan/preferensi/",
        RedirectView.as_view(url="/notifikasi/preferensi/"),
        name="preferences_moved",
    ),
    path(
        "permintaan/webhook/",
        RedirectView.as_view(url="/notifikasi/webhook/"),
        name="webhooks_moved",
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
