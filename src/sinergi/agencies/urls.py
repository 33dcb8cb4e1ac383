"""URLs of the agencies app."""

from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("", views.directory, name="list"),
    path("baru/", views.create, name="create"),
    path("pilih/", views.pick, name="pick"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/ubah/", views.edit, name="edit"),
    path("<slug:slug>/nonaktifkan/", views.set_active, {"active": False}, name="deactivate"),
    path("<slug:slug>/aktifkan/", views.set_active, {"active": True}, name="activate"),
    path("<slug:slug>/anggota/", views.member_add, name="member_add"),
    path(
        "<slug:slug>/anggota/<int:membership_id>/hapus/", views.member_remove, name="member_remove"
    ),
]
