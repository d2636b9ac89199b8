"""The MT engines on tiny real models: loading, batching, caching, CTranslate2, errors."""

import sys

import pytest

from tm.errors import ModelUnavailable
from tm.mt import MTOptions, load_translator
from tm.mt.cache import CachedTranslator
from tm.mt.models import ct2_dir, installed_models, resolve_model
from tm.store.sqlite import SQLiteStore

SENTENCES = [
    "قال الرئيس إن الاقتصاد ينمو بسرعة هذا العام",
    "",
    "ارتفعت أسعار النفط",
    "وقعت الحكومة اتفاقا بقيمة 500 مليون دولار مع الشركة وأكد المتحدث باسم الوزارة أن المفاوضات مستمرة",
]


def test_transformers_engine_loads_a_model_directory_and_keeps_order(tiny_marian):
    tr = load_translator(str(tiny_marian), engine="transformers", options=MTOptions(beams=1, batch_size=2))
    assert (tr.engine, tr.model_id) == ("transformers", str(tiny_marian))
    out = tr.translate(SENTENCES)
    assert len(out) == 4 and out[1] == ""
    assert all(isinstance(t, str) and t for i, t in enumerate(out) if i != 1)
    # batches are sorted by length inside; the caller's order comes back either way
    assert tr.translate(SENTENCES[::-1]) == out[::-1]


def test_output_length_is_bounded_by_the_input(tiny_marian):
    tr = load_translator(str(tiny_marian), engine="transformers", options=MTOptions(beams=1, max_ratio=1.0))
    short = tr.translate(["قال الرئيس"])[0]
    ids = tr.tokenizer(text_target=short)["input_ids"] if short else []
    assert len(ids) <= 1.0 * len(tr.tokenizer("قال الرئيس")["input_ids"]) + 12


def test_beam_search_runs(tiny_marian):
    tr = load_translator(str(tiny_marian), engine="transformers", options=MTOptions(beams=4, batch_size=16))
    assert len(tr.translate(SENTENCES)) == 4


def test_m2m100_gets_its_language_codes(tmp_path):
    from tests.tiny_models import build_m2m100

    path = build_m2m100(tmp_path / "m2m")
    tr = load_translator(str(path), engine="transformers", options=MTOptions(beams=1))
    assert tr.tokenizer.src_lang == "ar"
    assert tr.forced_bos == tr.tokenizer.convert_tokens_to_ids("__en__")
    assert tr.tokenizer("قال الرئيس")["input_ids"][0] == tr.tokenizer.convert_tokens_to_ids("__ar__")
    out = tr.translate(["قال الرئيس"])
    assert "__en__" not in out[0]


def test_ctranslate2_copy_is_used_automatically(tiny_marian_ct2):
    assert (ct2_dir(tiny_marian_ct2) / "model.bin").exists()
    tr = load_translator(str(tiny_marian_ct2), options=MTOptions(beams=1))
    assert tr.engine == "ctranslate2"
    out = tr.translate(SENTENCES)
    assert len(out) == 4 and out[1] == "" and all(out[i] for i in (0, 2, 3))
    assert tr.translate(SENTENCES[::-1]) == out[::-1]
    forced = load_translator(str(tiny_marian_ct2), engine="transformers", options=MTOptions(beams=1))
    assert forced.engine == "transformers"


def test_ctranslate2_engine_without_a_converted_copy_says_what_to_do(tiny_marian):
    with pytest.raises(ModelUnavailable, match="tm model convert"):
        load_translator(str(tiny_marian), engine="ctranslate2")


def test_cache_translates_a_sentence_once_per_model(tiny_marian, tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    tr = CachedTranslator(load_translator(str(tiny_marian), options=MTOptions(beams=1)), store)
    first = tr.translate(["قال الرئيس", "قَالَ الرَّئِيسُ", "ارتفعت أسعار النفط"])
    assert tr.misses == 2 and first[0] == first[1]
    again = CachedTranslator(tr.inner, SQLiteStore(tmp_path / "m.db"))
    assert again.translate(["قال الرئيس"]) == [first[0]]
    assert (again.hits, again.misses) == (1, 0)
    store.close()


def test_offline_without_a_local_copy_gives_the_instructions(data_home):
    with pytest.raises(ModelUnavailable) as err:
        load_translator("Helsinki-NLP/opus-mt-ar-en", download=False)
    assert "tm model fetch Helsinki-NLP/opus-mt-ar-en" in str(err.value)
    assert "--model /path/to/dir" in str(err.value)


def test_a_failed_download_leaves_nothing_behind(data_home):
    with pytest.raises(ModelUnavailable, match="not available offline"):
        load_translator("tm-tests/no-such-model", download=True)
    assert installed_models() == []
    assert not (data_home / "models" / "tm-tests--no-such-model").exists()


def test_missing_or_wrong_directories_are_refused(tmp_path):
    with pytest.raises(ModelUnavailable, match="does not exist"):
        resolve_model(str(tmp_path / "nowhere"))
    with pytest.raises(ModelUnavailable, match="no config.json"):
        resolve_model(str(tmp_path))


def test_installed_models_are_listed_and_found_by_name(data_home, tiny_marian):
    import shutil

    target = data_home / "models" / "acme--tiny-ar-en"
    shutil.copytree(tiny_marian, target)
    assert [m["name"] for m in installed_models()] == ["acme/tiny-ar-en"]
    assert resolve_model("acme/tiny-ar-en", download=False) == target


def test_heavy_libraries_load_only_when_translating():
    import subprocess
    import sys

    code = "import sys, tm.mt, tm.pretranslate; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
    assert out == "False False"


def test_nllb_gets_its_language_codes(tmp_path):
    from tests.tiny_models import build_nllb

    path = build_nllb(tmp_path / "nllb")
    tr = load_translator(str(path), engine="transformers", options=MTOptions(beams=1))
    assert tr.tokenizer.src_lang == "arb_Arab"
    assert tr.forced_bos == tr.tokenizer.convert_tokens_to_ids("eng_Latn")
    ids = tr.tokenizer("قال الرئيس")["input_ids"]
    assert tr.tokenizer.convert_ids_to_tokens(ids)[0] == "arb_Arab"
    out = tr.translate(["قال الرئيس", "ارتفعت أسعار النفط"])
    assert len(out) == 2 and all("eng_Latn" not in t for t in out)


@pytest.mark.parametrize("missing", ["transformers", "torch", "sentencepiece"])
def test_without_the_mt_extra_tm_says_how_to_install_it(monkeypatch, tiny_marian, missing):
    from tm.mt import load_translator

    monkeypatch.setitem(sys.modules, missing, None)  # as if the package were not installed
    with pytest.raises(ModelUnavailable) as err:
        load_translator(str(tiny_marian))
    message = str(err.value)
    assert missing in message and "[mt]" in message and "torch==2.13.0" in message
    assert "from the memory alone" in message


MANY = [
    "قال الرئيس",
    "ارتفعت أسعار النفط في الأسواق العالمية يوم الخميس وأكد المتحدث باسم الوزارة أن المفاوضات مستمرة",
    "",
    "زار وزير الخارجية المغرب",
    "وقعت الحكومة اتفاقا بقيمة 500 مليون دولار مع الشركة",
    "تراجع الدولار",
    "أعلنت وزارة الدفاع عن صفقة جديدة لشراء طائرات بدون طيار",
]


@pytest.mark.parametrize(
    ("lengths", "budget", "most"),
    [
        ([5, 3, 9, 9, 1, 40, 2, 7], 20, 0),
        ([5, 3, 9, 9, 1, 40, 2, 7], 20, 2),
        ([12] * 10, 48, 0),
        ([100, 1, 1], 10, 0),
        (list(range(30, 0, -1)), 64, 5),
        ([], 16, 0),
    ],
)
def test_token_batches_hold_every_sentence_once_within_the_budget(lengths, budget, most):
    from tm.mt.batching import token_batches

    batches = token_batches(lengths, budget, most)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= budget
        assert most == 0 or len(b) <= most
    order = [lengths[i] for b in batches for i in b]
    assert order == sorted(order)  # shortest first, so the first drafts come early


def test_a_batch_never_mixes_a_headline_with_a_long_sentence():
    from tm.mt.batching import token_batches

    assert token_batches([6, 80, 7, 70], 1000) == [[0, 2], [3, 1]]


@pytest.mark.parametrize("engine", ["transformers", "ctranslate2"])
def test_batched_drafts_are_those_of_one_sentence_at_a_time(tiny_marian_ct2, engine):
    options = MTOptions(beams=1, batch_size=3, batch_tokens=40)
    tr = load_translator(str(tiny_marian_ct2), engine=engine, options=options)
    alone = [tr.translate([s])[0] for s in MANY]
    assert tr.translate(MANY) == alone
    assert alone[2] == "" and all(alone[i] for i in (0, 1, 3, 4, 5, 6))


@pytest.mark.parametrize("engine", ["transformers", "ctranslate2"])
def test_the_stream_gives_each_sentence_once(tiny_marian_ct2, engine):
    options = MTOptions(beams=2, batch_size=2, batch_tokens=60)
    tr = load_translator(str(tiny_marian_ct2), engine=engine, options=options)
    batches = list(tr.translate_stream(MANY))
    assert len(batches) >= 3
    assert sorted(i for b in batches for i, _ in b) == list(range(len(MANY)))
    assert batches[0] == [(2, "")]  # the empty sentence at once
    assert dict(i_text for b in batches for i_text in b) == dict(enumerate(tr.translate(MANY)))
    if engine == "transformers":  # one batch after another, shortest first
        lengths = [len(tr.tokenizer(MANY[i])["input_ids"]) for b in batches[1:] for i, _ in b]
        assert lengths == sorted(lengths)


def test_the_cache_streams_what_it_knows_first(tiny_marian, tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    inner = load_translator(str(tiny_marian), options=MTOptions(beams=1, batch_size=1))
    CachedTranslator(inner, store).translate([MANY[4]])
    cached = CachedTranslator(inner, store)
    batches = list(cached.translate_stream([MANY[0], MANY[4], MANY[5], MANY[0]]))
    assert batches[0] == [(1, inner.translate([MANY[4]])[0])]
    assert sorted(i for b in batches for i, _ in b) == [0, 1, 2, 3]
    assert (cached.hits, cached.misses) == (1, 2)
    store.close()
