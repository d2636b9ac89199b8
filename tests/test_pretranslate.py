import pytest

from tm.errors import ModelUnavailable
from tm.glossary import Glossary
from tm.mt import MTOptions, load_translator
from tm.mt.cache import CachedTranslator
from tm.pretranslate import pretranslate
from tm.segment import segment

ARTICLE = (
    "الحكومة توقع اتفاقا جديدا\n"
    "\n"
    "وقعت الحكومة اتفاقا بقيمة 750 مليون دولار في مارس 2024. "
    "وقال المتحدث باسم الوزارة إن المفاوضات استمرت ثلاثة أسابيع كاملة. "
    "ستورد شركة بلو بورد الطائرات خلال عامين.\n"
    "وأكد الوزير أن الاتفاق مهم للبلدين.\n"
    "الحكومة توقع اتفاقا جديدا\n"
)


@pytest.fixture
def desk(memory):
    doc = segment(ARTICLE)
    prev, nxt = doc.contexts()[0]
    memory.add("الحكومة توقع اتفاقا جديدا", "Government signs new agreement", context=(prev, nxt))
    memory.add(
        "وقعت الحكومة اتفاقا بقيمة 500 مليون دولار في فبراير 2023.",
        "The government signed a $500 million deal in February 2023.",
    )
    memory.add(
        "وقال المتحدث باسم الوزارة إن المفاوضات استمرت ثلاثة أسابيع.",
        "The ministry spokesman said the talks lasted three weeks.",
    )
    memory.add(
        "وأكد الوزير أن الاتفاق مهم للبلدين.",
        "The minister stressed that the agreement matters to both countries.",
    )
    return memory


def test_order_context_exact_adapted_fuzzy_then_mt(desk, echo):
    result = pretranslate(segment(ARTICLE), desk, translator=echo)
    got = [(s.origin, s.score) for s in result.segments]
    assert got == [
        ("context", 101),
        ("adapted", 99),
        ("fuzzy", 90),
        ("mt", None),
        ("exact", 100),
        ("exact", 100),
    ]
    adapted = result.segments[1]
    assert adapted.target == "The government signed a $750 million deal in March 2024."
    assert adapted.changes == [("500", "750"), ("February", "March"), ("2023", "2024")]
    assert result.segments[2].target == "The ministry spokesman said the talks lasted three weeks."
    assert result.segments[3].target == "EN: ستورد شركة بلو بورد الطائرات خلال عامين."
    assert echo.batches == [["ستورد شركة بلو بورد الطائرات خلال عامين."]]
    assert result.segments[5].repeat_of == 0  # the repeated headline, not in its stored context
    assert result.counts() == {"context": 1, "adapted": 1, "fuzzy": 1, "mt": 1, "exact": 2}


def test_the_document_is_rebuilt_in_english(desk, echo):
    text = pretranslate(segment(ARTICLE), desk, translator=echo).text()
    assert text.startswith(
        "Government signs new agreement\n\nThe government signed a $750 million deal in March 2024. "
    )
    assert text.endswith("both countries.\nGovernment signs new agreement\n")


def test_the_fuzzy_threshold_sends_weaker_matches_to_mt(desk, echo):
    result = pretranslate(segment(ARTICLE), desk, translator=echo, min_score=95)
    assert result.segments[2].origin == "mt"


def test_repetitions_are_translated_once(memory, echo):
    text = "جملة جديدة تماما.\nجملة أخرى.\nجُمْلَة جديدة تماما.\nجملة جديدة تماما."
    result = pretranslate(segment(text), memory, translator=echo)
    assert echo.batches == [["جملة جديدة تماما.", "جملة أخرى.", "جُمْلَة جديدة تماما."]]
    assert [s.repeat_of for s in result.segments] == [None, None, 0, 0]
    assert result.segments[3].target == result.segments[0].target


def test_cached_mt_is_not_asked_again_in_the_next_document(memory, echo):
    cached = CachedTranslator(echo, memory.store)
    pretranslate(segment("جملة أولى. جملة ثانية."), memory, translator=cached)
    pretranslate(segment("جملة ثانية. جملة ثالثة."), memory, translator=cached)
    assert echo.batches == [["جملة أولى.", "جملة ثانية."], ["جملة ثالثة."]]


def test_enforced_terms_are_masked_for_mt_and_checked(memory, echo):
    g = Glossary(memory.store)
    g.add("بلو بورد", "BlueBird Aero Systems", enforce=True)
    g.add("الطائرات", "aircraft")
    result = pretranslate(segment("ستورد شركة لبلو بورد الطائرات."), memory, translator=echo, glossary=g)
    seg = result.segments[0]
    assert echo.batches == [["ستورد شركة ل BlueBird Aero Systems الطائرات."]]
    assert "BlueBird Aero Systems" in seg.target
    assert [t.term.target for t in seg.terms] == ["BlueBird Aero Systems", "aircraft"]
    assert [q.code for q in seg.qa] == ["term-missing", "arabic-in-target"]


def test_without_a_model_the_memory_still_works(desk):
    def offline():
        raise ModelUnavailable("model X is not available offline; run `tm model fetch X`")

    result = pretranslate(segment(ARTICLE), desk, translator=offline)
    assert result.mt_error.startswith("model X is not available offline")
    assert [s.origin for s in result.segments] == ["context", "adapted", "fuzzy", "none", "exact", "exact"]
    assert "ستورد شركة بلو بورد" in result.text()  # the untranslated sentence keeps its Arabic


def test_the_model_is_not_loaded_when_the_memory_covers_everything(desk):
    def loader():
        raise AssertionError("no model needed")

    result = pretranslate(segment("وأكد الوزير أن الاتفاق مهم للبلدين."), desk, translator=loader)
    assert result.segments[0].origin == "exact" and result.mt_error is None


def test_a_real_tiny_model_drafts_through_the_same_path(memory, tiny_marian):
    translator = CachedTranslator(load_translator(str(tiny_marian), options=MTOptions(beams=1)), memory.store)
    result = pretranslate(
        segment("قال الرئيس إن الاقتصاد ينمو. ارتفعت أسعار النفط."), memory, translator=translator
    )
    assert [s.origin for s in result.segments] == ["mt", "mt"]
    assert all(s.target and s.mt_draft == s.target for s in result.segments)
    assert result.engine == "transformers"


def test_json_shape(desk, echo):
    data = pretranslate(segment(ARTICLE), desk, translator=echo).to_json()
    seg = data["segments"][1]
    assert set(seg) >= {
        "index",
        "paragraph",
        "source",
        "target",
        "origin",
        "score",
        "unit_id",
        "qa",
        "terms",
        "matches",
    }
    assert seg["adapted"][0] == {"memory": "500", "new": "750"}
    assert data["counts"]["mt"] == 1


def test_progress_moves_with_each_mt_batch_and_ends_at_the_segment_count(desk, echo):
    text = (
        "وأكد الوزير أن الاتفاق مهم للبلدين.\n"
        "جملة أولى.\nجملة ثانية.\nجملة ثالثة.\nجملة أولى.\nجملة رابعة.\nجملة خامسة.\n"
        "الحكومة توقع اتفاقا جديدا\n"
    )
    batches_seen: list[int] = []  # for each progress call, how many MT batches had come back

    def progress(n):
        batches_seen.extend([len(echo.batches)] * n)

    result = pretranslate(segment(text), desk, translator=echo, batch_size=2, progress=progress)
    assert [len(b) for b in echo.batches] == [2, 2, 1]  # five new sentences, the repeated one once
    # the two memory hits while looking up, then each batch's segments (the repetition too)
    assert batches_seen == [0, 0, 1, 1, 1, 2, 2, 3]
    assert len(batches_seen) == len(result.segments)


def test_progress_ends_at_the_segment_count_without_a_model(desk):
    def offline():
        raise ModelUnavailable("no model")

    calls: list[int] = []
    result = pretranslate(segment(ARTICLE), desk, translator=offline, progress=calls.append)
    assert sum(calls) == len(result.segments) == 6


class StreamingEcho:
    """Streams the echo translation in batches of two, shortest sentences first."""

    engine, model_id = "stream", "stream-1"

    def __init__(self):
        self.calls: list[list[str]] = []

    def translate(self, sentences):
        return [f"EN: {s}" for s in sentences]

    def translate_stream(self, sentences):
        self.calls.append(list(sentences))
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        for start in range(0, len(order), 2):
            yield [(i, f"EN: {sentences[i]}") for i in order[start : start + 2]]


def test_each_segment_is_reported_once_memory_first_then_mt_as_ready(desk):
    text = ARTICLE + "جملة طويلة جدا عن الاقتصاد والسياسة والطاقة.\nقصيرة.\nجملة متوسطة الطول.\nقصيرة.\n"
    engine = StreamingEcho()
    seen = []
    result = pretranslate(segment(text), desk, translator=engine, on_draft=seen.append)
    assert sorted(s.index for s in seen) == list(range(len(result.segments)))
    origins = [s.origin for s in seen]
    assert origins == ["context", "adapted", "fuzzy", "exact", "exact", "mt", "mt", "mt", "mt", "mt"]
    mt = [s.source for s in seen if s.origin == "mt"]
    # the whole document in one call; the short ones first, the repetition with its first
    assert len(engine.calls) == 1 and len(engine.calls[0]) == 4
    assert mt[:2] == ["قصيرة.", "قصيرة."]
    assert mt[-1] == "جملة طويلة جدا عن الاقتصاد والسياسة والطاقة."
    assert all(s.qa == check_again(s) for s in seen)  # each reported finished, QA included


def check_again(s):
    from tm.qa import check

    return check(s.source, s.target, s.terms)


def test_streaming_changes_no_draft(desk, echo):
    text = ARTICLE + "جملة طويلة جدا عن الاقتصاد.\nقصيرة.\nقصيرة.\n"
    fixed = pretranslate(segment(text), desk, translator=echo, batch_size=2).to_json()
    streamed = pretranslate(segment(text), desk, translator=StreamingEcho()).to_json()
    assert {k: v for k, v in streamed.items() if k not in ("engine", "model")} == {
        k: v for k, v in fixed.items() if k not in ("engine", "model")
    }


def test_without_a_model_every_segment_is_still_reported(desk):
    def offline():
        raise ModelUnavailable("no model")

    seen = []
    result = pretranslate(segment(ARTICLE), desk, translator=offline, on_draft=seen.append)
    assert [s.index for s in seen] == [0, 1, 2, 4, 5, 3]
    assert seen[-1].origin == "none" and len(seen) == len(result.segments)
