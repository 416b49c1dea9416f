"""Secrets in schedules: what counts as one, how it is masked, and how a mask is put back.

A secret is shown once, when it is given; every view after that (show, list --json, export,
the UI, logs) shows ``********`` in its place:

* header and env values whose NAME looks secret: Authorization, Proxy-Authorization, Cookie,
  anything with token, secret, key, pass(word), pwd, auth, credential, signature, session;
* in URLs (http actions, hooks, and URLs inside env values, commands and error messages): the
  password of ``user:password@`` (a lone ``token@`` user too) and the values of secret-looking
  query parameters (the names above, plus sig, code, pw, apikey);
* signing secrets keep their first characters (``whsec_abcd…``), as before.

A masked value that comes back as input (a re-imported export, a form saved unchanged) means
"keep what is stored": :func:`restore_value` returns the stored value when masking it gives
exactly the input. A mask that matches nothing stored cannot become a secret: the caller
reports the field, never storing ``********`` as a real credential.

Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from urllib.parse import unquote_plus

MASK = "********"
SECRET_MASK_SUFFIX = "…"  # a masked signing secret: its first 10 characters, then this

_SECRET_WORDS = re.compile(
    r"auth|cookie|token|secret|key|pass|pwd|credential|signature|session|private", re.IGNORECASE
)
# the same words for the fast pass over ASCII text (there, lower() and IGNORECASE agree)
_SECRET_WORDS_ASCII = tuple(_SECRET_WORDS.pattern.split("|"))
_SECRET_QUERY_NAMES = frozenset({"sig", "code", "pw", "apikey"})
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*")
_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]+")


def may_hold_secret(text: str) -> bool:
    """False when masking cannot change anything in ``text`` (no secret-looking word, no ``@``
    or ``?`` of a URL's credentials): a fast pass for the many rows that hold no secret.
    Text that is not plain ASCII, or holds a JSON escape, always takes the full pass: ignoring
    case, the regex finds ``key`` in a name spelt with the Kelvin sign, and its JSON escape
    (backslash u212a) holds no such word."""
    if "@" in text or "?" in text or "\\" in text or not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in _SECRET_WORDS_ASCII)


@functools.lru_cache(maxsize=1024)
def is_secret_name(name: str) -> bool:
    """Whether a header, env variable or query parameter NAME holds a secret."""
    return bool(_SECRET_WORDS.search(name))


@functools.lru_cache(maxsize=1024)
def _secret_query_name(name: str) -> bool:
    plain = unquote_plus(name)
    return is_secret_name(plain) or plain.lower() in _SECRET_QUERY_NAMES


def _mask_param(param: str) -> str:
    name, eq, value = param.partition("=")
    if eq and value and _secret_query_name(name):
        return f"{name}={MASK}"
    return param


def mask_url(url: str) -> str:
    """The URL with its credentials masked; everything else exactly as written."""
    if "@" not in url and "?" not in url:
        return url  # no user, no query: nothing to mask (the common case, kept fast)
    colon = url.find("://")
    if colon <= 0 or not _SCHEME.fullmatch(url, 0, colon):
        return url
    start = colon + 3
    end = len(url)
    for stop in "/?#":
        at = url.find(stop, start, end)
        if at != -1:
            end = at
    authority, rest = url[start:end], url[end:]
    if "@" in authority:
        userinfo, _, hostport = authority.rpartition("@")
        user, colon_, password = userinfo.partition(":")
        if colon_ and password:
            userinfo = f"{user}:{MASK}"
        elif not colon_ and user:
            userinfo = MASK  # https://TOKEN@host
        authority = f"{userinfo}@{hostport}"
    path, qmark, tail = rest.partition("?")
    if qmark:
        query, hash_, fragment = tail.partition("#")
        query = "&".join(_mask_param(p) for p in query.split("&"))
        rest = f"{path}?{query}{hash_}{fragment}"
    return url[:start] + authority + rest


def mask_text(text: str) -> str:
    """Free text (a command, an error message) with the credentials of its URLs masked."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)


def mask_value(name: str, value: str) -> str:
    """A header or env value: all of it for a secret NAME, else only its URLs' credentials."""
    if not value:
        return value
    if is_secret_name(name):
        return MASK
    return mask_text(value)


def mask_pairs(pairs: Mapping[str, str]) -> dict[str, str]:
    """Headers or env with their secret values masked (same keys, same order)."""
    return {k: mask_value(k, v) for k, v in pairs.items()}


def mask_secret(secret: str | None) -> str | None:
    """A signing secret: shown once, at creation; everywhere else only its first characters."""
    if not secret:
        return None
    return secret[:10] + SECRET_MASK_SUFFIX


def is_masked(value: str | None) -> bool:
    """Whether a value holds a mask (it was copied from a view, not given)."""
    return value is not None and MASK in value


def is_masked_secret(value: str | None) -> bool:
    """Whether a signing secret is a masked one (``whsec_abcd…``)."""
    return value is not None and (MASK in value or value.endswith(SECRET_MASK_SUFFIX))


def restore_value(new: str, old: str | None, mask: Callable[[str], str]) -> str | None:
    """``new`` with its mask put back: the stored ``old`` when ``mask(old)`` is exactly ``new``;
    ``new`` itself when it holds no mask; None when the mask matches nothing stored."""
    if not is_masked(new):
        return new
    if old is not None and mask(old) == new:
        return old
    return None


def restore_pairs(
    new: Mapping[str, str], old: Mapping[str, str], *, fold_case: bool
) -> tuple[dict[str, str], list[str]]:
    """Headers (``fold_case``: names are case-insensitive) or env with masks put back from
    ``old``; also the names whose mask matched nothing stored."""
    stored = {(k.lower() if fold_case else k): v for k, v in old.items()}
    out: dict[str, str] = {}
    lost: list[str] = []
    for name, value in new.items():
        previous = stored.get(name.lower() if fold_case else name)
        restored = restore_value(value, previous, functools.partial(mask_value, name))
        if restored is None:
            lost.append(name)
            restored = value
        out[name] = restored
    return out, lost
