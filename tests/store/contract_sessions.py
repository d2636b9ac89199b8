"""The contract of the sessions in `store.accounts`: made, found by token, touched, ended, pruned."""

from __future__ import annotations

import threading
import time

import pytest

from tm.errors import Busy

HASH = "pbkdf2:sha256:1000$salt$0123456789abcdef"
LATER = "2999-01-01T00:00:00Z"


class SessionsContract:
    def _users(self, store):
        return store.accounts.add("sara", HASH, "translator"), store.accounts.add("omar", HASH, "admin")

    def test_a_session_is_found_by_its_token_only(self, store):
        sara, _ = self._users(store)
        s = store.accounts.add_session(
            sara.id, "tok-1", expires_at=LATER, ip="10.0.0.1", user_agent="Firefox"
        )
        assert (s.user_id, s.expires_at, s.ip, s.user_agent) == (sara.id, LATER, "10.0.0.1", "Firefox")
        assert s.created_at == s.seen_at and s.created_at.endswith("Z")
        assert store.accounts.get_session("tok-1") == s
        assert store.accounts.get_session("tok-2") is None
        assert store.accounts.get_session("") is None

    def test_sessions_lists_a_users_sessions_and_no_one_elses(self, store):
        sara, omar = self._users(store)
        a = store.accounts.add_session(sara.id, "a", expires_at=LATER)
        b = store.accounts.add_session(sara.id, "b", expires_at=LATER)
        store.accounts.add_session(omar.id, "c", expires_at=LATER)
        assert {s.id for s in store.accounts.sessions(sara.id)} == {a.id, b.id}
        store.accounts.touch_session(a.id, "2998-01-01T00:00:00Z")
        assert [s.id for s in store.accounts.sessions(sara.id)] == [a.id, b.id]

    def test_touch_records_the_newest_use_and_never_moves_it_back(self, store):
        sara, _ = self._users(store)
        s = store.accounts.add_session(sara.id, "t", expires_at=LATER)
        store.accounts.touch_session(s.id, "2998-01-01T00:00:00Z")
        assert store.accounts.get_session("t").seen_at == "2998-01-01T00:00:00Z"
        store.accounts.touch_session(s.id, "2000-01-01T00:00:00Z")
        assert store.accounts.get_session("t").seen_at == "2998-01-01T00:00:00Z"

    def test_ending_a_session_ends_only_it(self, store):
        sara, _ = self._users(store)
        a = store.accounts.add_session(sara.id, "a", expires_at=LATER)
        store.accounts.add_session(sara.id, "b", expires_at=LATER)
        store.accounts.end_session(a.id)
        assert store.accounts.get_session("a") is None
        assert store.accounts.get_session("b") is not None
        store.accounts.end_session(a.id)  # ending it twice is harmless

    def test_end_sessions_ends_a_users_sessions_but_the_one_kept(self, store):
        sara, omar = self._users(store)
        keep = store.accounts.add_session(sara.id, "keep", expires_at=LATER)
        store.accounts.add_session(sara.id, "other", expires_at=LATER)
        store.accounts.add_session(omar.id, "omar", expires_at=LATER)
        assert store.accounts.end_sessions(sara.id, keep=keep.id) == 1
        assert [s.id for s in store.accounts.sessions(sara.id)] == [keep.id]
        assert store.accounts.end_sessions(sara.id) == 1
        assert store.accounts.sessions(sara.id) == []
        assert store.accounts.get_session("omar") is not None

    def test_a_new_password_another_role_or_a_lock_ends_the_accounts_sessions(self, store):
        sara, omar = self._users(store)
        for change in ({"password_hash": "pbkdf2:new"}, {"role": "reviewer"}, {"active": False}):
            store.accounts.add_session(sara.id, "s1", expires_at=LATER)
            store.accounts.add_session(omar.id, "o1", expires_at=LATER)
            store.accounts.update(sara.id, **change)
            assert store.accounts.sessions(sara.id) == [], change
            assert store.accounts.get_session("o1") is not None
            store.accounts.end_sessions(omar.id)
            store.accounts.update(sara.id, active=True)

    def test_an_update_that_changes_nothing_that_matters_keeps_the_sessions(self, store):
        sara, _ = self._users(store)
        s = store.accounts.add_session(sara.id, "s", expires_at=LATER)
        store.accounts.update(sara.id, role="translator", active=True)
        store.accounts.update(sara.id)
        assert store.accounts.sessions(sara.id) == [s]

    def test_a_password_change_can_keep_the_session_that_made_it(self, store):
        sara, _ = self._users(store)
        mine = store.accounts.add_session(sara.id, "mine", expires_at=LATER)
        store.accounts.add_session(sara.id, "laptop", expires_at=LATER)
        store.accounts.update(sara.id, password_hash="pbkdf2:new", keep_session=mine.id)
        assert store.accounts.sessions(sara.id) == [mine]

    def test_prune_deletes_sessions_past_their_end_or_idle_too_long(self, store):
        sara, _ = self._users(store)
        ended = store.accounts.add_session(sara.id, "ended", expires_at="2020-01-01T00:00:00Z")
        idle = store.accounts.add_session(sara.id, "idle", expires_at=LATER)
        fresh = store.accounts.add_session(sara.id, "fresh", expires_at=LATER)
        store.accounts.touch_session(fresh.id, "2998-06-01T00:00:00Z")
        pruned = store.accounts.prune_sessions(now="2998-06-01T00:00:00Z", idle_before="2998-01-01T00:00:00Z")
        assert pruned == 2
        assert [s.id for s in store.accounts.sessions(sara.id)] == [fresh.id]
        assert {ended.id, idle.id}.isdisjoint(s.id for s in store.accounts.sessions(sara.id))

    def test_touch_and_prune_answer_busy_at_once_while_another_writer_holds_the_memory(self, store):
        sara, _ = self._users(store)
        s = store.accounts.add_session(sara.id, "t", expires_at=LATER)
        holding, release = threading.Event(), threading.Event()

        def writer():
            with store.transaction():
                store.accounts.add("karim", HASH, "translator")
                holding.set()
                release.wait(30)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            assert holding.wait(10)
            for housekeeping in (
                lambda: store.accounts.touch_session(s.id, "2998-01-01T00:00:00Z"),
                lambda: store.accounts.prune_sessions(now=LATER, idle_before=LATER),
            ):
                started = time.monotonic()
                with pytest.raises(Busy):
                    housekeeping()
                assert time.monotonic() - started < 5  # a short wait, not the usual 10 s
        finally:
            release.set()
            thread.join()
        store.accounts.touch_session(s.id, "2998-01-01T00:00:00Z")  # and waits as usual again
        assert store.accounts.get_session("t").seen_at == "2998-01-01T00:00:00Z"
