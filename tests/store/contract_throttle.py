"""The contract of login throttling in `store.accounts`: wrong passwords counted per name and address."""

from __future__ import annotations

import threading

T0, T1, T2, T3 = (
    "2030-01-01T00:00:00Z",
    "2030-01-01T00:00:30Z",
    "2030-01-01T00:01:00Z",
    "2030-01-01T00:02:00Z",
)
EPOCH = "2000-01-01T00:00:00Z"


class ThrottleContract:
    def test_login_failures_are_counted_per_name_and_address(self, store):
        a = store.accounts
        assert a.add_login_failure("rita", "10.0.0.1", at=T0, forget_before=EPOCH) == 1
        assert a.add_login_failure("rita", "10.0.0.1", at=T1, forget_before=EPOCH) == 2
        a.add_login_failure("rita", "10.0.0.2", at=T1, forget_before=EPOCH)
        a.add_login_failure("tom", "10.0.0.1", at=T1, forget_before=EPOCH)
        assert a.login_failures("rita", "10.0.0.1", since=EPOCH) == 2
        assert a.login_failures("rita", "10.0.0.1", since=T1) == 1  # the time given counts
        assert a.login_failures("rita", "10.0.0.2", since=EPOCH) == 1
        assert a.login_failures("nobody", "10.0.0.1", since=EPOCH) == 0

    def test_old_failures_of_every_name_are_forgotten_when_one_is_added(self, store):
        a = store.accounts
        a.add_login_failure("rita", "10.0.0.1", at=T0, forget_before=EPOCH)
        a.add_login_failure("tom", "10.0.0.9", at=T0, forget_before=EPOCH)
        assert a.add_login_failure("rita", "10.0.0.1", at=T3, forget_before=T2) == 1
        assert a.login_failures("rita", "10.0.0.1", since=EPOCH) == 1
        assert a.login_failures("tom", "10.0.0.9", since=EPOCH) == 0

    def test_clearing_forgets_only_that_name_and_address(self, store):
        a = store.accounts
        for key in (("rita", "10.0.0.1"), ("rita", "10.0.0.2"), ("tom", "10.0.0.1")):
            a.add_login_failure(*key, at=T0, forget_before=EPOCH)
        a.clear_login_failures("rita", "10.0.0.1")
        assert a.login_failures("rita", "10.0.0.1", since=EPOCH) == 0
        assert a.login_failures("rita", "10.0.0.2", since=EPOCH) == 1
        assert a.login_failures("tom", "10.0.0.1", since=EPOCH) == 1
        a.clear_login_failures("nobody", "10.0.0.1")  # nothing to clear is harmless

    def test_failures_recorded_at_once_from_many_threads_are_all_counted(self, store):
        def guess() -> None:
            for _ in range(5):
                store.accounts.add_login_failure("rita", "10.0.0.1", at=T0, forget_before=EPOCH)

        threads = [threading.Thread(target=guess) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.accounts.login_failures("rita", "10.0.0.1", since=EPOCH) == 20
