"""An authenticated scan's extra request headers on their way from the form to the worker.

The values (an Authorization token, a session cookie) are never written to the database or a
log. They travel in the one Celery task that runs the scan, and the broker is a store too: what
it holds is a Fernet token (AES-128-CBC with HMAC-SHA256, from the `cryptography` package)
under a key derived with HKDF from SECRET_KEY for this purpose and this one scan. A copy of the
queue, a log line quoting task arguments, or a token moved onto another scan's task opens
nothing. A token older than SCAN_STALE_AFTER is refused: by then the reaper has ended its scan.
"""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

PURPOSE = b"corscheck: extra request headers of scan "
SALT = b"corscheck.sealing"

Headers = tuple[tuple[str, str], ...]


def scan_key(secret_key: str, scan_token: str) -> bytes:
    """A Fernet key for one scan's headers, derived from a SECRET_KEY."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=PURPOSE + scan_token.encode())
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def sealer(scan_token: str) -> MultiFernet:
    # SECRET_KEY seals; it and SECRET_KEY_FALLBACKS open, so rotating the key while scans are
    # queued costs none of them.
    keys = (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    return MultiFernet([Fernet(scan_key(key, scan_token)) for key in keys])


@sensitive_variables("headers", "plain")
def seal(headers: Headers, scan_token: str) -> str:
    plain = json.dumps([[name, value] for name, value in headers]).encode()
    return sealer(scan_token).encrypt(plain).decode("ascii")


@sensitive_variables("plain")
def unseal(sealed: str | None, scan_token: str) -> Headers | None:
    """The headers sealed for this scan, or None when there are none it can open: missing,
    altered, sealed for another scan or under an unknown key, or too old."""
    if not sealed:
        return None
    try:
        plain = sealer(scan_token).decrypt(sealed.encode("ascii"), ttl=settings.SCAN_STALE_AFTER)
    except (InvalidToken, UnicodeEncodeError):
        return None
    return tuple((str(name), str(value)) for name, value in json.loads(plain))
