"""The masking rules (pure): what is a secret, what a mask looks like, how one comes back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwork.domain.model import CommandAction, HttpAction
from tickwork.domain.secrets import (
    MASK,
    is_secret_name,
    mask_pairs,
    mask_text,
    mask_url,
    may_hold_secret,
    restore_pairs,
    restore_value,
)


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "Proxy-Authorization",
        "Cookie",
        "X-Api-Key",
        "X-Auth-Token",
        "AWS_SECRET_ACCESS_KEY",
        "DB_PASSWORD",
        "GITHUB_TOKEN",
        "client_secret",
        "Set-Cookie",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["Accept", "Content-Type", "PATH", "TEAM", "User-Agent", "TZ"])
def test_plain_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://user:pa55@example.com/x", f"https://user:{MASK}@example.com/x"),
        ("https://tok3n@example.com/x", f"https://{MASK}@example.com/x"),
        ("https://example.com/x?token=abc&page=2", f"https://example.com/x?token={MASK}&page=2"),
        ("https://example.com/x?api_key=abc#frag", f"https://example.com/x?api_key={MASK}#frag"),
        (
            "https://h.example/f?sig=abc&code=xyz&sv=1",
            f"https://h.example/f?sig={MASK}&code={MASK}&sv=1",
        ),
        ("https://example.com/x?page=2", "https://example.com/x?page=2"),
        ("https://example.com/a%20b?q=1+2", "https://example.com/a%20b?q=1+2"),  # untouched
        ("https://user@example.com:8443/", f"https://{MASK}@example.com:8443/"),
        ("https://user:@example.com/", "https://user:@example.com/"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_mask_text_masks_the_urls_inside_free_text() -> None:
    text = "curl -fsS 'https://u:pw@api.example.com/x?token=t' && echo done"
    assert (
        mask_text(text)
        == f"curl -fsS 'https://u:{MASK}@api.example.com/x?token={MASK}' && echo done"
    )
    assert mask_text("echo hi") == "echo hi"


def test_mask_pairs_masks_by_name_and_urls_in_values() -> None:
    pairs = {
        "Authorization": "Bearer abc",
        "Accept": "application/json",
        "DATABASE_URL": "postgres://app:dbpw@db.example/app",
        "EMPTY_TOKEN": "",
    }
    assert mask_pairs(pairs) == {
        "Authorization": MASK,
        "Accept": "application/json",
        "DATABASE_URL": f"postgres://app:{MASK}@db.example/app",
        "EMPTY_TOKEN": "",
    }


def test_a_mask_comes_back_as_the_stored_value_or_not_at_all() -> None:
    assert (
        restore_value(f"https://u:{MASK}@h/x", "https://u:pw@h/x", mask_url) == "https://u:pw@h/x"
    )
    assert restore_value(f"https://u:{MASK}@other/x", "https://u:pw@h/x", mask_url) is None
    assert restore_value(f"https://u:{MASK}@h/x", None, mask_url) is None
    assert restore_value("https://u:new@h/x", "https://u:pw@h/x", mask_url) == "https://u:new@h/x"
    headers, lost = restore_pairs(
        {"authorization": MASK, "X-Api-Key": MASK, "Accept": "text/plain"},
        {"Authorization": "Bearer abc"},
        fold_case=True,
    )
    assert headers == {"authorization": "Bearer abc", "X-Api-Key": MASK, "Accept": "text/plain"}
    assert lost == ["X-Api-Key"]


@given(
    st.text(
        alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzTOKEN:/@?=&#._- 0123456789"),
        max_size=60,
    )
)
def test_the_fast_pass_never_skips_something_masking_would_change(text: str) -> None:
    if not may_hold_secret(text):
        assert mask_text(text) == text
        assert mask_url(text) == text
        assert mask_pairs({text: "value"}) == {text: "value"}


_PIECES = st.text(alphabet=st.sampled_from('akeyAUTHtoKnpsſ\u212aİ:/@?=&#._- 0{}"\\é'), max_size=16)


@given(
    st.one_of(
        st.builds(
            CommandAction,
            command=_PIECES,
            env=st.dictionaries(_PIECES, _PIECES, max_size=3),
        ),
        st.builds(
            HttpAction,
            url=st.builds("https://{}".format, _PIECES),
            headers=st.dictionaries(_PIECES, _PIECES, max_size=3),
        ),
    )
)
def test_the_fast_pass_over_a_stored_action_never_skips_a_secret(
    action: CommandAction | HttpAction,
) -> None:
    # list --json skips masking a row whose stored action JSON the fast pass clears
    stored = json.dumps(action.to_json(), sort_keys=True)
    if not may_hold_secret(stored):
        assert action.masked() == action


def test_a_secret_name_spelt_with_the_kelvin_sign_is_masked_in_list_json_rows() -> None:
    action = CommandAction(command="true", env={"API_\u212aEY": "hunter2"})
    stored = json.dumps(action.to_json(), sort_keys=True)
    assert action.masked().env == {"API_\u212aEY": MASK}
    assert may_hold_secret(stored)
