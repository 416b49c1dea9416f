"""Masked values coming back as input: keep the stored secret, never store the mask.

An export without --show-secrets, or a form saved without retyping a secret, gives back
``********`` (or ``whsec_abcd…``) where the secret was. When the schedule it updates holds a
value whose mask is exactly that, the stored value stays. A mask that matches nothing stored
(a new schedule, another header) is an error naming the field: storing the mask would make a
job that sends ``Authorization: ********``.
"""

from __future__ import annotations

from dataclasses import replace

from tickwork.domain.errors import FieldError, InvalidSchedule
from tickwork.domain.model import HOOK_FIELDS, Action, CommandAction, HttpAction, Schedule
from tickwork.domain.secrets import (
    MASK,
    is_masked_secret,
    mask_secret,
    mask_text,
    mask_url,
    restore_pairs,
    restore_value,
)

FIX = "give the real value (or export with --show-secrets to copy secrets)"


def _action(new: Action, old: Action | None, errors: list[FieldError]) -> Action:
    if isinstance(new, CommandAction):
        before = old if isinstance(old, CommandAction) else None
        env, lost = restore_pairs(new.env, before.env if before else {}, fold_case=False)
        errors.extend(FieldError("env", f"{k} is masked ({MASK}): {FIX}") for k in lost)
        # a command is code: a mask it cannot put back stays as written (no error)
        command = restore_value(new.command, before.command if before else None, mask_text)
        return replace(new, env=env, command=command or new.command)
    if isinstance(new, HttpAction):
        was = old if isinstance(old, HttpAction) else None
        headers, lost = restore_pairs(new.headers, was.headers if was else {}, fold_case=True)
        errors.extend(FieldError("headers", f"{k} is masked ({MASK}): {FIX}") for k in lost)
        url = restore_value(new.url, was.url if was else None, mask_url)
        if url is None:
            errors.append(FieldError("url", f"holds a masked credential ({MASK}): {FIX}"))
        return replace(new, headers=headers, url=url or new.url)
    return new


def restore_secrets(new: Schedule, current: Schedule | None) -> Schedule:
    """``new`` with every mask put back from ``current`` (the stored schedule it replaces, or
    None for a new one). Raises InvalidSchedule for masks that match nothing stored."""
    errors: list[FieldError] = []
    action = _action(new.action, current.action if current else None, errors)
    hooks: dict[str, str | None] = {}
    for key in HOOK_FIELDS:
        value = getattr(new, key)
        if value is None:
            continue
        stored = getattr(current, key) if current else None
        restored = restore_value(value, stored, mask_text)
        if restored is None:
            if "://" in value and value.lstrip().lower().startswith(("http://", "https://")):
                errors.append(FieldError(key, f"holds a masked credential ({MASK}): {FIX}"))
            restored = value  # a command hook is code, as the action's command
        hooks[key] = restored
    secret = new.signing_secret
    if is_masked_secret(secret):
        stored_secret = current.signing_secret if current else None
        if stored_secret and mask_secret(stored_secret) == secret:
            secret = stored_secret
        else:
            errors.append(FieldError("signing_secret", f"is masked ({secret}): {FIX}"))
    if errors:
        raise InvalidSchedule(errors)
    return new.with_changes(action=action, signing_secret=secret, **hooks)
