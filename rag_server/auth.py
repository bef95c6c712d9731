"""API keys to principals. Keys are compared as SHA-256 digests in constant time and never logged.

`python -m rag_server.auth` prints a fresh key and the `[[auth.api_keys]]` entry that admits it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys

from rag_server.errors import RagError
from rag_server.retrieval.access import Principal
from rag_server.settings import AuthSettings

__all__ = ["LOCAL_OPERATOR", "AuthenticationError", "Authenticator", "PermissionDeniedError"]

LOCAL_OPERATOR = Principal(id="local", all_access=True)


class AuthenticationError(RagError):
    status_code = 401
    error_type = "authentication_error"
    code = "invalid_api_key"


class PermissionDeniedError(RagError):
    status_code = 403
    error_type = "permission_error"
    code = "permission_denied"


class Authenticator:
    def __init__(self, settings: AuthSettings) -> None:
        self._enabled = settings.enabled
        self._keys = [(bytes.fromhex(key.sha256), key) for key in settings.api_keys]

    def principal(self, authorization: str | None) -> Principal:
        """The caller behind an `Authorization` header; AuthenticationError when a key is required and wrong."""
        if not self._enabled:
            return LOCAL_OPERATOR
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise AuthenticationError("missing API key: send `Authorization: Bearer <key>`")
        digest = hashlib.sha256(key.strip().encode()).digest()
        found = None
        for expected, entry in self._keys:  # every entry is compared, so timing does not tell which matched
            if hmac.compare_digest(digest, expected):
                found = entry
        if found is None:
            raise AuthenticationError("invalid API key")
        return Principal(
            id=found.id, groups=frozenset(found.groups), all_access=False, admin=found.admin, weight=found.weight
        )


def main() -> None:
    key = f"rag-{secrets.token_urlsafe(32)}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    sys.stdout.write(f'key: {key}\n\n[[auth.api_keys]]\nid = "CHANGE-ME"\nsha256 = "{digest}"\ngroups = []\n')


if __name__ == "__main__":
    main()
