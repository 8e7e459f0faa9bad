import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Personas are created for nearly every test here; the production hasher's cost buys
    # nothing in tests that never check passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
