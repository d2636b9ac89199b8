import pytest

from tm.errors import DuplicateTerm, FormatError
from tm.formats.tbx import read_glossary_csv, read_tbx, write_glossary_csv, write_tbx
from tm.glossary import Glossary
from tm.store.sqlite import SQLiteStore


@pytest.fixture
def glossary(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    g = Glossary(store)
    g.add("بلو بورد", "BlueBird Aero Systems", enforce=True, forbidden=["Blue Bird", "Blue Board"])
    g.add("باراك ماكس", "Barak MX", enforce=True)
    g.add("المغرب", "Morocco", notes="country")
    g.add("وزارة الدفاع", "Ministry of Defence", forbidden=["Defense Ministry"])
    yield g
    store.close()


@pytest.mark.parametrize(
    ("sentence", "text"),
    [
        ("زار الوفد المغرب أمس", "المغرب"),
        ("وقعت إسرائيل والمغرب اتفاقا", "المغرب"),
        ("استثمارات بالمغرب", "المغرب"),
        ("زيارة للمغرب", "للمغرب"),
        ("قال فالمغرب شريك", "المغرب"),
        ("زار المَغْرِب", "المَغْرِب"),
    ],
)
def test_term_hits_through_clitics_and_diacritics(glossary, sentence, text):
    hits = glossary.hits(sentence)
    assert [(h.term.target, h.text) for h in hits] == [("Morocco", text)]
    assert sentence[hits[0].start : hits[0].end] == text


def test_multiword_terms_with_a_clitic_or_written_as_one_word(glossary):
    s = "قال رئيس لبلو بورد إن بلوبورد ستورد نظام باراك ماكس لوزارة الدفاع"
    assert [(h.text, h.term.target) for h in glossary.hits(s)] == [
        ("بلو بورد", "BlueBird Aero Systems"),
        ("بلوبورد", "BlueBird Aero Systems"),
        ("باراك ماكس", "Barak MX"),
        ("وزارة الدفاع", "Ministry of Defence"),
    ]


def test_no_hit_for_words_that_only_look_alike(glossary):
    assert glossary.hits("المغربية دولة") == []
    assert glossary.hits("بورد بلو") == []


def test_masking_puts_the_english_of_enforced_terms_only(glossary):
    s = "اشترت المغرب طائرات من بلو بورد"
    masked = Glossary.mask(s, glossary.hits(s))
    assert masked == "اشترت المغرب طائرات من BlueBird Aero Systems"


def test_restore_replaces_a_forbidden_variant_with_the_term(glossary):
    hits = glossary.hits("طائرات من بلو بورد")
    assert Glossary.restore("Drones from Blue Bird.", hits) == "Drones from BlueBird Aero Systems."
    assert (
        Glossary.restore("Drones from BlueBird Aero Systems.", hits) == "Drones from BlueBird Aero Systems."
    )


def test_duplicates_are_refused_and_import_skips_them(glossary):
    with pytest.raises(DuplicateTerm):
        glossary.add("المغرب", "Morocco")
    terms = read_glossary_csv("source,target\nالمغرب,Morocco\nالرباط,Rabat\n".encode())
    assert glossary.import_terms(terms) == (1, 1)


def test_a_changed_glossary_is_seen_at_once(glossary):
    assert glossary.hits("زار الرباط") == []
    glossary.add("الرباط", "Rabat")
    assert [h.term.target for h in glossary.hits("زار الرباط")] == ["Rabat"]
    rabat = glossary.search("Rabat")[0]
    glossary.store.glossary.update(rabat.id, target="Ar-Rabat")
    assert [h.term.target for h in glossary.hits("زار الرباط")] == ["Ar-Rabat"]
    glossary.store.glossary.delete(rabat.id)
    assert glossary.hits("زار الرباط") == []


def test_csv_round_trip(glossary, tmp_path):
    import io

    out = io.StringIO()
    assert write_glossary_csv(out, glossary.terms()) == 4
    back = read_glossary_csv(out.getvalue().encode())
    assert {(t.source, t.target, tuple(t.forbidden), t.enforce) for t in back} == {
        (t.source, t.target, tuple(t.forbidden), t.enforce) for t in glossary.terms()
    }


def test_tbx_round_trip(glossary):
    import io

    out = io.StringIO()
    write_tbx(out, glossary.terms())
    back = read_tbx(out.getvalue().encode())
    assert {(t.source, t.target, tuple(t.forbidden), t.enforce, t.notes) for t in back} == {
        (t.source, t.target, tuple(t.forbidden), t.enforce, t.notes) for t in glossary.terms()
    }


def test_tbx_v3_and_synonyms():
    data = """<?xml version="1.0" encoding="UTF-8"?>
<tbx style="dca" type="TBX-Basic" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
<text><body>
<conceptEntry id="c1">
  <langSec xml:lang="ar-SA"><termSec><term>طائرة مسيرة</term></termSec><termSec><term>مسيرة</term></termSec></langSec>
  <langSec xml:lang="en-GB">
    <termSec><term>UAV</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></termSec>
    <termSec><term>drone</term></termSec>
  </langSec>
</conceptEntry>
</body></text></tbx>""".encode()
    terms = read_tbx(data)
    assert [(t.source, t.target, t.forbidden) for t in terms] == [
        ("طائرة مسيرة", "drone", ["UAV"]),
        ("مسيرة", "drone", ["UAV"]),
    ]


def test_hostile_tbx_is_refused():
    bomb = b'<?xml version="1.0"?>\n<!DOCTYPE martif [<!ENTITY a "x">]>\n<martif><text/></martif>'
    with pytest.raises(FormatError, match="entit"):
        read_tbx(bomb)
    with pytest.raises(FormatError, match="not a martif/tbx file"):
        read_tbx(b"<tmx/>")


# -- proposals ---------------------------------------------------------------------------


def test_a_proposal_is_no_hit_until_it_is_approved(glossary):
    proposal = glossary.propose("الرباط", "Rabat", "tom", notes="capital")
    assert (proposal.status, proposal.author, proposal.notes) == ("proposed", "tom", "capital")
    assert glossary.hits("زار الوفد الرباط") == []
    assert [(h.text, h.term.author) for h in glossary.hits("زار الوفد الرباط", proposed=True)] == [
        ("الرباط", "tom")
    ]
    glossary.approve(proposal.id, "rita")
    assert [h.term.target for h in glossary.hits("زار الوفد الرباط")] == ["Rabat"]
    assert glossary.hits("زار الوفد الرباط", proposed=True) == []


def test_a_proposal_is_neither_checked_by_qa_nor_protected_in_mt(glossary):
    from tm.qa import TERM_FORBIDDEN, TERM_MISSING, check

    glossary.propose("الرباط", "Rabat", "tom")
    s = "زار الوفد الرباط"
    hits = glossary.hits(s)
    assert Glossary.mask(s, hits) == s
    codes = {i.code for i in check(s, "The delegation visited the capital.", hits)}
    assert not codes & {TERM_MISSING, TERM_FORBIDDEN}


def test_proposals_and_terms_are_listed_with_their_status(glossary):
    glossary.propose("الرباط", "Rabat", "tom")
    assert [(t.target, t.status) for t in glossary.search("رباط")] == [("Rabat", "proposed")]
    assert [t.target for t in glossary.terms("proposed")] == ["Rabat"]
    assert "Rabat" not in [t.target for t in glossary.terms("approved")]
    assert len(glossary.terms()) == 5
    assert glossary.find("الرِّباط", "Rabat").status == "proposed"
    assert glossary.find("الرباط", "rabat") is None


def test_a_proposal_of_an_existing_term_is_refused(glossary):
    with pytest.raises(DuplicateTerm):
        glossary.propose("المغرب", "Morocco", "tom")


def test_an_approval_is_seen_at_once(glossary):
    before = glossary.version()
    p = glossary.propose("الرباط", "Rabat", "tom")
    assert glossary.version() != before and glossary.hits("زار الرباط") == []
    glossary.approve(p.id, "ada")
    assert [h.term.target for h in glossary.hits("زار الرباط")] == ["Rabat"]


def test_the_cli_lists_approves_and_rejects_proposals(tmp_path):
    from tests.cli_run import run_tm

    run_tm(tmp_path, "init")
    store = SQLiteStore(tmp_path / "memory.db")
    g = Glossary(store)
    rabat = g.propose("الرباط", "Rabat", "tom")
    typo = g.propose("المغرب", "Marocco", "tia")
    g.add("الجزائر", "Algeria")
    listed = run_tm(tmp_path, "glossary", "list", "--proposed").stdout
    assert "Rabat  [proposed by tom, waiting for review]" in listed and "Algeria" not in listed
    assert (
        "approved (proposed by tom)"
        in run_tm(tmp_path, "glossary", "approve", str(rabat.id), "--by", "rita").stdout
    )
    assert (store.glossary.get(rabat.id).status, store.glossary.get(rabat.id).reviewed_by) == (
        "approved",
        "rita",
    )
    assert "the proposal is deleted" in run_tm(tmp_path, "glossary", "reject", str(typo.id)).stdout
    refused = run_tm(tmp_path, "glossary", "reject", str(rabat.id), check=False)
    assert refused.returncode != 0 and "not a proposal" in refused.stderr
    run_tm(tmp_path, "glossary", "export", str(tmp_path / "g.csv"))
    g.propose("تونس", "Tunisia", "tom")
    run_tm(tmp_path, "glossary", "export", str(tmp_path / "g.csv"))
    exported = (tmp_path / "g.csv").read_text()
    assert "Rabat" in exported and "Algeria" in exported and "Tunisia" not in exported
    store.close()
