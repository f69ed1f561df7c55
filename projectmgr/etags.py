"""ETag / 304 Not Modified under the data version (projectmgr.summary_cache): for the pages and
answers whose body depends only on the version and on what the request names."""

import hashlib

from flask import request

from .summary_cache import current_version


def etag_for(*key) -> str | None:
    """A weak ETag for a response that depends on the data version and `key` only; None when
    there is no version to key it on."""
    version = current_version()
    if version is None:
        return None
    digest = hashlib.sha256(repr((version, key)).encode()).hexdigest()[:24]
    return f'W/"{digest}"'


def not_modified(etag: str | None) -> bool:
    """The request's If-None-Match names `etag` (weakly: the body is the same, byte for byte)."""
    return etag is not None and request.if_none_match.contains_weak(etag.removeprefix("W/").strip('"'))
