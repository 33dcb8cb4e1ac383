"""Permission-matrix rows of the accounts pages added with two-factor login."""

from tests.matrix import SIGNED_IN, Case, expect

UI_CASES = [
    # Without a pending second step the code page sends people on (anonymous: to login).
    Case("accounts:login_code", "get", "/masuk/kode/", expect(302)),
    Case("accounts:two_factor", "get", "/akun/dua-langkah/", SIGNED_IN),
]
