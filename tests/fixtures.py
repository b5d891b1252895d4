"""Named people for authorisation tests, as a school would meet them.

alice is the DSL, dora her deputy, harry the headteacher, ivan the IT technician,
bob a teacher, carol another teacher, gina a governor.
"""

from __future__ import annotations

import pyotp
import pytest

from tests.paths import SAMPLE_POLICY

PASSWORD = "correct-horse-battery"
CAST = {
    "alice": "dsl",
    "dora": "deputy-dsl",
    "harry": "headteacher",
    "ivan": "it-technician",
    "bob": "staff",
    "carol": "staff",
    "gina": "governor",
}


@pytest.fixture
def school(db):
    """The sample policy adopted, with the cast's logins."""
    from harbour.apps.accounts.service import ensure_login
    from harbour.apps.policies.service import adopt_policy

    adopt_policy(SAMPLE_POLICY.read_text(), "examples/policy.toml", "test")
    return {name: ensure_login(name, role, PASSWORD, "test", name.title(), "Example") for name, role in CAST.items()}


def sign_in(client, user, second_factor: bool = True):
    """Log a test client in; pass the second factor for the roles that need it."""
    from harbour.apps.accounts import totp
    from harbour.apps.accounts.gate import needs_second_factor

    client.force_login(user)
    if second_factor and needs_second_factor(user):
        secret = totp.ensure_secret(user.profile)
        response = client.post("/2fa/", {"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302, "second factor refused"
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(request):
    """Production hashing is slow on purpose; tests only need it to work."""
    if "django_db_setup" not in request.fixturenames and "db" not in request.fixturenames:
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
