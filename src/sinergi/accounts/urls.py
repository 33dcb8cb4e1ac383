"""URLs of the accounts app."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("masuk/kode/", views.login_code, name="login_code"),
    path("keluar/", views.logout_view, name="logout"),
    path("akun/", views.profile, name="profile"),
    path("akun/sandi/", views.password_change, name="password_change"),
    path("akun/dua-langkah/", views.two_factor, name="two_factor"),
    path("akun/token/", views.tokens, name="tokens"),
    path("akun/token/<int:token_id>/cabut/", views.token_revoke, name="token_revoke"),
    path("bahasa/", views.language, name="language"),
    path("sandi/lupa/", views.PasswordResetView.as_view(), name="password_reset"),
    path("sandi/lupa/terkirim/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "sandi/atur/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "sandi/atur/selesai/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
