"""The contract of API tokens in `store.accounts`: named, hashed, revocable, with their last use."""

from __future__ import annotations

import pytest

from tm.errors import NotFound


def account(store, name="tom"):
    return store.accounts.add(name, "hash", "translator")


class TokensContract:
    def test_a_token_is_found_by_its_secret_and_keeps_only_a_digest(self, store):
        user = account(store)
        token = store.accounts.add_token(user.id, "newsroom CMS", "s3cret-token-value")
        found = store.accounts.find_token("s3cret-token-value")
        assert found is not None and (found.id, found.user_id, found.name) == (
            token.id,
            user.id,
            "newsroom CMS",
        )
        assert (found.last_used_at, found.revoked_at) == (None, None)
        assert store.accounts.find_token("s3cret-token-valuE") is None
        assert "s3cret-token-value" not in repr(store.accounts.tokens(user.id))

    def test_tokens_of_a_user_are_listed_newest_first_and_only_theirs(self, store):
        tom, tia = account(store), account(store, "tia")
        first = store.accounts.add_token(tom.id, "one", "a" * 40)
        second = store.accounts.add_token(tom.id, "two", "b" * 40)
        store.accounts.add_token(tia.id, "hers", "c" * 40)
        assert [t.id for t in store.accounts.tokens(tom.id)] == [second.id, first.id]

    def test_a_revoked_token_finds_nothing_at_once_and_stays_listed(self, store):
        user = account(store)
        token = store.accounts.add_token(user.id, "cms", "x" * 40)
        revoked = store.accounts.revoke_token(token.id, user_id=user.id)
        assert revoked.revoked_at is not None
        assert store.accounts.find_token("x" * 40) is None
        assert [t.revoked_at for t in store.accounts.tokens(user.id)] == [revoked.revoked_at]

    def test_a_user_cannot_revoke_someone_elses_token(self, store):
        tom, tia = account(store), account(store, "tia")
        token = store.accounts.add_token(tia.id, "hers", "h" * 40)
        with pytest.raises(NotFound):
            store.accounts.revoke_token(token.id, user_id=tom.id)
        with pytest.raises(NotFound):
            store.accounts.revoke_token(token.id + 100)
        assert store.accounts.find_token("h" * 40) is not None

    def test_the_last_use_only_moves_forward(self, store):
        user = account(store)
        token = store.accounts.add_token(user.id, "cms", "t" * 40)
        store.accounts.touch_token(token.id, "2026-11-30T10:00:00Z")
        store.accounts.touch_token(token.id, "2026-11-30T09:00:00Z")
        assert store.accounts.find_token("t" * 40).last_used_at == "2026-11-30T10:00:00Z"

    def test_a_token_for_no_account_is_refused(self, store):
        with pytest.raises(NotFound):
            store.accounts.add_token(4242, "ghost", "g" * 40)
