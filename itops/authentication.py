"""API token authentication: `Authorization: Bearer <token>`, or basic auth with the token as
the password (Prometheus and Alertmanager send either)."""

import base64
import binascii

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from itops.models import ApiToken
from itops.services import token_digest, touch_api_token


class TokenRejected(Exception):
    pass


def token_from_header(header: bytes) -> str | None:
    """The raw token in an Authorization header, or None if the header carries no token."""
    scheme, _, credentials = header.partition(b" ")
    scheme = scheme.lower()
    credentials = credentials.strip()
    if scheme == b"bearer":
        if not credentials:
            raise TokenRejected("The Bearer header has no token.")
        return credentials.decode("latin-1")
    if scheme == b"basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise TokenRejected("The Basic credentials are not valid base64.") from None
        _, sep, password = decoded.partition(":")
        if not sep or not password:
            raise TokenRejected("Basic auth needs the API token as the password.")
        return password
    return None


def authenticate_token(raw: str) -> ApiToken:
    token = (
        ApiToken.objects.select_related("user").filter(digest=token_digest(raw)).first()
        if raw
        else None
    )
    if token is None:
        raise TokenRejected("Invalid API token.")
    if token.revoked_at is not None:
        raise TokenRejected("This API token has been revoked.")
    if not token.is_active():
        raise TokenRejected("This API token has expired.")
    if not token.user.is_active:
        raise TokenRejected("The user of this API token is inactive.")
    touch_api_token(token)
    return token


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        try:
            raw = token_from_header(header)
            if raw is None:
                return None
            token = authenticate_token(raw)
        except TokenRejected as rejected:
            raise AuthenticationFailed(str(rejected)) from None
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="itops"'
