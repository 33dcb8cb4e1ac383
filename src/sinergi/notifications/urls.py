"""URLs of the notification centre, under /notifikasi/."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifikasi/", views.centre, name="centre"),
    path("notifikasi/lonceng/", views.bell, name="bell"),
    path("notifikasi/dibaca/", views.read_all, name="read_all"),
    path("notifikasi/<int:pk>/dibaca/", views.read_one, name="read_one"),
    path("notifikasi/preferensi/", views.preferences, name="preferences"),
    path("notifikasi/webhook/", views.webhooks, name="webhooks"),
    path("notifikasi/webhook/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("notifikasi/webhook/<int:pk>/aktif/", views.webhook_toggle, name="webhook_toggle"),
    path("notifikasi/webhook/<int:pk>/rahasia/", views.webhook_rotate, name="webhook_rotate"),
    path("notifikasi/webhook/<int:pk>/hapus/", views.webhook_remove, name="webhook_remove"),
    path(
        "notifikasi/webhook/<int:pk>/kirim/<int:delivery_id>/",
        views.delivery_retry,
        name="delivery_retry",
    ),
]
