"""The contract of `store.accounts`: the editor's accounts and the installation's signing key."""

from __future__ import annotations

import re

import pytest

from tm.errors import TMError

HASH = "scrypt:32768:8:1$salt$0123456789abcdef"


class AccountsContract:
    def test_the_secret_key_is_made_once_and_is_64_hex_characters(self, store):
        key = store.accounts.secret_key()
        assert re.fullmatch(r"[0-9a-f]{64}", key)
        assert store.accounts.secret_key() == key

    def test_an_account_is_found_by_id_and_by_name(self, store):
        u = store.accounts.add("سارة", HASH, "translator")
        assert (u.name, u.password_hash, u.role, u.active) == ("سارة", HASH, "translator", True)
        assert u.created_at.endswith("Z")
        assert store.accounts.get(u.id) == u
        assert store.accounts.find("سارة") == u

    def test_unknown_accounts_are_none(self, store):
        store.accounts.add("omar", HASH, "admin")
        assert store.accounts.get(4242) is None
        assert store.accounts.find("Omar ") is None
        assert store.accounts.find("nobody") is None

    def test_all_lists_the_accounts_by_name(self, store):
        for name, role in (("omar", "admin"), ("lina", "reviewer"), ("sara", "translator")):
            store.accounts.add(name, HASH, role)
        assert [(u.name, u.role) for u in store.accounts.all()] == [
            ("lina", "reviewer"),
            ("omar", "admin"),
            ("sara", "translator"),
        ]

    def test_a_name_already_taken_is_refused_with_the_name_in_the_message(self, store):
        first = store.accounts.add("lina", HASH, "reviewer")
        with pytest.raises(TMError, match="lina"):
            store.accounts.add("lina", "another-hash", "admin")
        assert store.accounts.all() == [first]

    def test_an_unknown_role_is_refused(self, store):
        with pytest.raises(TMError):
            store.accounts.add("karim", HASH, "superuser")
        assert store.accounts.find("karim") is None
        u = store.accounts.add("karim", HASH, "translator")
        with pytest.raises(TMError):
            store.accounts.update(u.id, role="owner")
        assert store.accounts.get(u.id).role == "translator"

    def test_update_changes_role_active_and_password_and_none_leaves_a_field_alone(self, store):
        u = store.accounts.add("sara", HASH, "translator")
        store.accounts.update(u.id, role="reviewer")
        assert (store.accounts.get(u.id).role, store.accounts.get(u.id).active) == ("reviewer", True)
        store.accounts.update(u.id, active=False)
        got = store.accounts.get(u.id)
        assert (got.role, got.active, got.password_hash) == ("reviewer", False, HASH)
        store.accounts.update(u.id, password_hash="scrypt:new")
        got = store.accounts.get(u.id)
        assert (got.role, got.active, got.password_hash) == ("reviewer", False, "scrypt:new")
        store.accounts.update(u.id, active=True, role="admin")
        store.accounts.update(u.id)
        got = store.accounts.get(u.id)
        assert (got.name, got.role, got.active, got.password_hash) == ("sara", "admin", True, "scrypt:new")

    def test_an_update_touches_only_its_account(self, store):
        sara = store.accounts.add("sara", HASH, "translator")
        omar = store.accounts.add("omar", HASH, "translator")
        store.accounts.update(sara.id, role="admin", active=False, password_hash="scrypt:sara")
        assert store.accounts.get(omar.id) == omar
