"""The contract of `store.glossary` and `store.mt_cache`."""

from __future__ import annotations

import pytest

from tm.errors import DuplicateTerm, TermNotFound
from tm.lang import normalize
from tm.store.records import NewTerm

from .contract_common import Boom, unit


def term(source="مجلس الأمن", target="Security Council", **kw):
    return NewTerm(source, target, **kw)


class GlossaryContract:
    def test_a_term_is_stored_with_everything_it_was_given(self, store):
        t = store.glossary.add(
            term(
                "تنظيم الدولة الإسلامية",
                "Islamic State group",
                notes="اكتب «group» بعد الاسم",
                forbidden=["ISIS", "Daesh"],
                enforce=True,
                author="sara",
            )
        )
        got = store.glossary.get(t.id)
        assert got == t
        assert (got.source, got.target, got.notes) == (
            "تنظيم الدولة الإسلامية",
            "Islamic State group",
            "اكتب «group» بعد الاسم",
        )
        assert (got.forbidden, got.enforce, got.author) == (["ISIS", "Daesh"], True, "sara")
        assert got.created_at.endswith("Z") and got.changed_at == got.created_at

    def test_a_term_without_extras_has_empty_notes_no_forbidden_words_and_is_not_enforced(self, store):
        got = store.glossary.get(store.glossary.add(term()).id)
        assert (got.notes, got.forbidden, got.enforce, got.author) == ("", [], False, None)

    def test_all_lists_every_term_by_source(self, store):
        for source, target in (
            ("وزارة الخارجية", "Foreign Ministry"),
            ("برلمان", "parliament"),
            ("حكومة", "government"),
        ):
            store.glossary.add(term(source, target))
        assert [t.source for t in store.glossary.all()] == ["برلمان", "حكومة", "وزارة الخارجية"]

    def test_update_changes_only_the_given_fields(self, store):
        t = store.glossary.add(term(notes="الاسم الرسمي", forbidden=["UNSC"], author="sara"))
        new = store.glossary.update(t.id, target="UN Security Council", author="omar")
        assert (new.source, new.target, new.notes, new.forbidden, new.author) == (
            "مجلس الأمن",
            "UN Security Council",
            "الاسم الرسمي",
            ["UNSC"],
            "omar",
        )
        assert store.glossary.get(t.id) == new
        assert new.created_at == t.created_at

    def test_forbidden_words_and_the_enforce_flag_round_trip(self, store):
        t = store.glossary.add(
            term("حزب الله", "Hezbollah", forbidden=["Hizbullah", "Hizballah"], enforce=True)
        )
        assert store.glossary.get(t.id).forbidden == ["Hizbullah", "Hizballah"]
        store.glossary.update(t.id, forbidden=[], enforce=False)
        got = store.glossary.get(t.id)
        assert (got.forbidden, got.enforce) == ([], False)
        store.glossary.update(t.id, forbidden=["Hizb Allah"], enforce=True)
        got = store.glossary.get(t.id)
        assert (got.forbidden, got.enforce) == (["Hizb Allah"], True)

    def test_the_same_source_and_target_twice_is_refused(self, store):
        store.glossary.add(term())
        with pytest.raises(DuplicateTerm):
            store.glossary.add(term())
        with pytest.raises(DuplicateTerm):  # the same term with diacritics and another alef
            store.glossary.add(term("مَجْلِسُ الامن"))
        assert len(store.glossary.all()) == 1

    def test_the_same_source_with_another_target_is_another_term(self, store):
        store.glossary.add(term())
        store.glossary.add(term(target="UN Security Council"))
        store.glossary.add(term("مجلس الوزراء", "Security Council"))
        assert len(store.glossary.all()) == 3

    def test_an_update_into_an_existing_term_is_refused_and_changes_nothing(self, store):
        store.glossary.add(term())
        other = store.glossary.add(term(target="UN Security Council"))
        with pytest.raises(DuplicateTerm):
            store.glossary.update(other.id, target="Security Council")
        assert store.glossary.get(other.id).target == "UN Security Council"

    def test_delete_removes_a_term(self, store):
        t = store.glossary.add(term())
        kept = store.glossary.add(term("الأمم المتحدة", "United Nations"))
        store.glossary.delete(t.id)
        with pytest.raises(TermNotFound):
            store.glossary.get(t.id)
        assert [x.id for x in store.glossary.all()] == [kept.id]
        store.glossary.add(term())  # and the pair can come back

    @pytest.mark.parametrize("action", ["get", "update", "delete"])
    def test_a_missing_term_raises_term_not_found(self, store, action):
        calls = {
            "get": lambda: store.glossary.get(4242),
            "update": lambda: store.glossary.update(4242, target="anything"),
            "delete": lambda: store.glossary.delete(4242),
        }
        with pytest.raises(TermNotFound) as err:
            calls[action]()
        assert err.value.term_id == 4242

    def test_the_version_changes_with_every_change_and_never_with_a_read(self, store):
        seen = [store.glossary.version()]

        def changed():
            now = store.glossary.version()
            assert now not in seen, "the glossary changed but its version did not"
            seen.append(now)

        t = store.glossary.add(term())
        changed()
        store.glossary.get(t.id)
        store.glossary.all()
        assert store.glossary.version() == seen[-1] == store.glossary.version()
        store.glossary.update(t.id, notes="ملاحظة")
        changed()
        store.glossary.update(t.id, enforce=True)
        changed()
        with pytest.raises(DuplicateTerm):
            store.glossary.add(term())
        assert store.glossary.version() == seen[-1]
        store.glossary.delete(t.id)
        changed()
        store.glossary.add(term())  # the same glossary as at the start, still a new version
        changed()

    def test_a_version_seen_inside_a_rolled_back_transaction_is_never_given_again(self, store):
        start = store.glossary.version()
        with pytest.raises(Boom), store.transaction():
            store.glossary.add(term("وقف إطلاق النار", "ceasefire"))
            ghost = store.glossary.version()  # what a cache on this thread saw
            raise Boom()
        assert store.glossary.version() == start
        store.glossary.add(term("هدنة", "truce"))
        assert store.glossary.version() not in (start, ghost), "another glossary under a version already seen"

    def test_unit_changes_do_not_change_the_glossary_version(self, store):
        before = store.glossary.version()
        store.units.add(unit())
        assert store.glossary.version() == before

    # -- proposals: terms translators propose, used once a reviewer or an admin approves them --

    def test_a_term_added_without_a_status_is_approved_and_was_reviewed_by_nobody(self, store):
        got = store.glossary.get(store.glossary.add(term(author="rita")).id)
        assert (got.status, got.reviewed_by) == ("approved", None)

    def test_a_proposal_is_stored_as_proposed_with_its_author(self, store):
        t = store.glossary.add(term(notes="الاسم الرسمي", author="tom"), status="proposed")
        got = store.glossary.get(t.id)
        assert got == t
        assert (got.status, got.reviewed_by, got.author, got.notes) == (
            "proposed",
            None,
            "tom",
            "الاسم الرسمي",
        )

    def test_all_lists_proposals_and_terms_by_source_or_those_of_one_status(self, store):
        a = store.glossary.add(term("وزارة الخارجية", "Foreign Ministry"))
        p = store.glossary.add(term("برلمان", "parliament", author="tom"), status="proposed")
        b = store.glossary.add(term("حكومة", "government"))
        assert [(t.id, t.status) for t in store.glossary.all()] == [
            (p.id, "proposed"),
            (b.id, "approved"),
            (a.id, "approved"),
        ]
        assert [t.id for t in store.glossary.all(status="approved")] == [b.id, a.id]
        assert [t.id for t in store.glossary.all(status="proposed")] == [p.id]

    def test_approve_makes_a_proposal_a_term_and_records_the_reviewer(self, store):
        t = store.glossary.add(term(author="tom"), status="proposed")
        got = store.glossary.approve(t.id, "rita")
        assert (got.status, got.reviewed_by, got.author, got.created_at) == (
            "approved",
            "rita",
            "tom",
            t.created_at,
        )
        assert store.glossary.get(t.id) == got
        assert [x.id for x in store.glossary.all(status="approved")] == [t.id]

    def test_approving_an_approved_term_changes_nothing(self, store):
        t = store.glossary.add(term(author="ada"))
        before = store.glossary.version()
        assert store.glossary.approve(t.id, "rita") == t
        assert store.glossary.version() == before

    def test_approving_a_missing_term_raises_term_not_found(self, store):
        with pytest.raises(TermNotFound):
            store.glossary.approve(4242, "rita")

    def test_a_proposal_of_a_pair_already_there_is_refused_either_way(self, store):
        store.glossary.add(term())
        with pytest.raises(DuplicateTerm):
            store.glossary.add(term("مَجْلِسُ الامن"), status="proposed")
        store.glossary.add(term("هدنة", "truce"), status="proposed")
        with pytest.raises(DuplicateTerm):
            store.glossary.add(term("هدنة", "truce"))
        with pytest.raises(DuplicateTerm):
            store.glossary.add(term("هدنة", "truce"), status="proposed")
        assert len(store.glossary.all()) == 2

    def test_an_edited_proposal_stays_a_proposal(self, store):
        t = store.glossary.add(term(author="tom"), status="proposed")
        got = store.glossary.update(t.id, target="UN Security Council", enforce=True)
        assert (got.status, got.target, got.enforce, got.author) == (
            "proposed",
            "UN Security Council",
            True,
            "tom",
        )

    def test_the_status_changes_only_through_approve(self, store):
        t = store.glossary.add(term(), status="proposed")
        with pytest.raises(TypeError):
            store.glossary.update(t.id, status="approved")
        assert store.glossary.get(t.id).status == "proposed"

    @pytest.mark.parametrize("status", ["rejected", "", "APPROVED"])
    def test_a_status_outside_the_vocabulary_is_refused(self, store, status):
        with pytest.raises(ValueError):
            store.glossary.add(term(), status=status)
        with pytest.raises(ValueError):
            store.glossary.all(status=status)
        assert store.glossary.all() == []

    def test_the_version_changes_when_a_proposal_comes_is_approved_or_is_rejected(self, store):
        seen = [store.glossary.version()]

        def changed():
            now = store.glossary.version()
            assert now not in seen, "the glossary changed but its version did not"
            seen.append(now)

        p = store.glossary.add(term(author="tom"), status="proposed")
        changed()
        store.glossary.approve(p.id, "rita")
        changed()
        q = store.glossary.add(term("هدنة", "truce", author="tom"), status="proposed")
        changed()
        store.glossary.delete(q.id)  # a rejection
        changed()


class MTCacheContract:
    MODEL = "Helsinki-NLP/opus-mt-ar-en"
    OTHER = "facebook/nllb-200-distilled-600M"

    def test_outputs_are_kept_per_model(self, store):
        key = normalize("ارتفعت الأسعار بنسبة ٥٪.")
        store.mt_cache.put(self.MODEL, {key: "Prices rose by 5%."})
        store.mt_cache.put(self.OTHER, {key: "Prices went up 5%."})
        assert store.mt_cache.get(self.MODEL, [key]) == {key: "Prices rose by 5%."}
        assert store.mt_cache.get(self.OTHER, [key]) == {key: "Prices went up 5%."}

    def test_a_new_output_replaces_the_old_one(self, store):
        key = normalize("عاد الرئيس إلى البلاد.")
        store.mt_cache.put(self.MODEL, {key: "The president returned home."})
        store.mt_cache.put(self.MODEL, {key: "The president returned to the country."})
        assert store.mt_cache.get(self.MODEL, [key]) == {key: "The president returned to the country."}

    def test_keys_of_another_model_or_never_cached_are_not_returned(self, store):
        mine, theirs = normalize("بدأت الانتخابات."), normalize("انتهت الانتخابات.")
        store.mt_cache.put(self.MODEL, {mine: "The elections began."})
        store.mt_cache.put(self.OTHER, {theirs: "The elections ended."})
        assert store.mt_cache.get(self.MODEL, [mine, theirs, "لم تترجم"]) == {mine: "The elections began."}
        assert store.mt_cache.get("no/such-model", [mine, theirs]) == {}
        assert store.mt_cache.get(self.MODEL, []) == {}

    def test_many_keys_are_read_in_one_get(self, store):
        items = {normalize(f"الخبر العاجل رقم {i}"): f"Breaking news number {i}" for i in range(2600)}
        store.mt_cache.put(self.MODEL, items)
        asked = list(items) + [normalize(f"لم يترجم {i}") for i in range(100)]
        assert store.mt_cache.get(self.MODEL, asked) == items

    def test_putting_nothing_is_harmless(self, store):
        store.mt_cache.put(self.MODEL, {})
        assert store.mt_cache.get(self.MODEL, ["اي شيء"]) == {}
