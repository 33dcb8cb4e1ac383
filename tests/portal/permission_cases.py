"""Routes of the public portal in the permission matrix: everyone gets the page."""

from tests.matrix import PUBLIC, Case, expect

UI_CASES = [
    Case("portal:index", "get", "/publik/", PUBLIC),
    Case("portal:agencies", "get", "/publik/instansi/?kind=opd&q=kesehatan", PUBLIC),
    Case("portal:agency", "get", "/publik/instansi/dinkes-sanggau/", PUBLIC),
    Case("portal:blood", "get", "/publik/darah/", PUBLIC),
]

# An unknown agency answers 404 to everyone, never a sign-in redirect.
UI_CASES.append(Case("portal:agency", "get", "/publik/instansi/tidak-ada/", expect(404)))
