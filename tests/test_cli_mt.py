"""`tm translate`, `tm qa`, `tm glossary` and `tm model` as a user runs them."""

import json
import shutil

import pytest

from tests.cli_run import run_tm as tm

ARTICLE = "الحكومة توقع اتفاقا\n\nوقعت الحكومة اتفاقا بقيمة 750 مليون دولار. ستورد شركة بلو بورد الطائرات.\n"


@pytest.fixture
def desk(tmp_path):
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    tm(tmp_path, "init")
    tm(
        tmp_path,
        "add",
        "وقعت الحكومة اتفاقا بقيمة 500 مليون دولار.",
        "The government signed a $500 million deal.",
    )
    return tmp_path


def test_translate_with_a_model_directory_writes_the_english_document(desk, tiny_marian):
    proc = tm(desk, "translate", "article.txt", "--model", str(tiny_marian), "-o", "article.en.txt")
    assert "3 segments" in proc.stderr and "1 adapted" in proc.stderr and "2 mt" in proc.stderr
    english = (desk / "article.en.txt").read_text(encoding="utf-8")
    lines = english.split("\n")
    assert lines[1] == "" and lines[2].startswith("The government signed a $750 million deal. ")
    assert english.endswith("\n") and len(lines) == 4


def test_translate_json_names_origin_and_score(desk, tiny_marian):
    data = json.loads(tm(desk, "translate", "article.txt", "--model", str(tiny_marian), "--json").stdout)
    assert [s["origin"] for s in data["segments"]] == ["mt", "adapted", "mt"]
    assert data["segments"][1]["score"] == 99 and data["engine"] == "transformers"


def test_translate_offline_warns_once_and_keeps_the_memory_drafts(desk):
    proc = tm(desk, "translate", "article.txt", "--json", extra_env={"TM_OFFLINE": "1"})
    assert "tm: warning: model Helsinki-NLP/opus-mt-ar-en is not available offline" in proc.stderr
    assert "tm model fetch" in proc.stderr
    data = json.loads(proc.stdout)
    assert [s["origin"] for s in data["segments"]] == ["none", "adapted", "none"]


def test_translate_memory_only(desk):
    out = tm(desk, "translate", "article.txt", "--no-mt")
    assert out.stdout.startswith("الحكومة توقع اتفاقا\n\nThe government signed a $750 million deal. ")
    assert out.stderr == ""


def test_glossary_commands_and_qa(desk):
    tm(desk, "glossary", "add", "بلو بورد", "BlueBird Aero Systems", "--enforce", "--forbid", "Blue Bird")
    (desk / "terms.csv").write_text(
        "source,target,notes\nباراك ماكس,Barak MX,air defence\n", encoding="utf-8"
    )
    assert "1 terms added" in tm(desk, "glossary", "import", "terms.csv").stdout
    listed = json.loads(tm(desk, "glossary", "list", "--json").stdout)
    assert [(t["source"], t["enforce"]) for t in listed] == [("باراك ماكس", False), ("بلو بورد", True)]
    tm(desk, "glossary", "export", "g.tbx")
    assert "<martif" in (desk / "g.tbx").read_text(encoding="utf-8")

    data = json.loads(tm(desk, "translate", "article.txt", "--no-mt", "--json").stdout)
    data["segments"][2]["target"] = "Blue Bird will supply the aircraft."
    (desk / "out.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    proc = tm(desk, "qa", "out.json", check=False)
    assert proc.returncode == 3
    assert "[term-missing]" in proc.stdout and "[term-forbidden]" in proc.stdout
    assert "[empty-target]" in proc.stdout  # the untranslated headline


def test_model_list_and_convert(desk, tiny_marian):
    target = desk / "data" / "models" / "acme--tiny"
    shutil.copytree(tiny_marian, target)
    assert "acme/tiny" in tm(desk, "model", "list").stdout
    assert "converted" in tm(desk, "model", "convert", "acme/tiny").stdout
    models = json.loads(tm(desk, "model", "list", "--json").stdout)
    assert models[0]["ctranslate2"] is True
    data = json.loads(tm(desk, "translate", "article.txt", "--model", "acme/tiny", "--json").stdout)
    assert data["engine"] == "ctranslate2"
    segments, summary = _jsonl(tm(desk, "translate", "article.txt", "--model", "acme/tiny", "--jsonl"))
    assert summary["engine"] == "ctranslate2" and segments[0]["origin"] == "adapted"
    assert sorted(segments, key=lambda s: s["index"]) == data["segments"]


def test_model_fetch_without_internet_is_one_clear_line(desk):
    proc = tm(desk, "model", "fetch", "tm-tests/not-a-model", check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("tm: error: model tm-tests/not-a-model is not available offline")
    assert len(proc.stderr.strip().splitlines()) == 1


def _jsonl(proc):
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    return lines[:-1], lines[-1]


def test_translate_jsonl_streams_one_segment_a_line_memory_first(desk, tiny_marian):
    proc = tm(desk, "translate", "article.txt", "--model", str(tiny_marian), "--jsonl")
    segments, summary = _jsonl(proc)
    assert [s["origin"] for s in segments] == ["adapted", "mt", "mt"]
    assert sorted(s["index"] for s in segments) == [0, 1, 2]
    # the headline (3 words) is drafted before the longer sentence
    assert [s["index"] for s in segments[1:]] == [0, 2]
    assert summary == {
        "done": True,
        "counts": {"adapted": 1, "mt": 2},
        "engine": "transformers",
        "model": str(tiny_marian),
        "mt_error": None,
    }
    whole = json.loads(tm(desk, "translate", "article.txt", "--model", str(tiny_marian), "--json").stdout)
    assert sorted(segments, key=lambda s: s["index"]) == whole["segments"]


def test_translate_jsonl_offline_and_to_a_file(desk):
    proc = tm(desk, "translate", "article.txt", "--jsonl", "-o", "out.jsonl", extra_env={"TM_OFFLINE": "1"})
    assert "wrote out.jsonl: 3 segments" in proc.stderr and proc.stdout == ""
    lines = [json.loads(x) for x in (desk / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [s.get("origin") for s in lines[:-1]] == ["adapted", "none", "none"]
    assert lines[-1]["done"] is True and "not available offline" in lines[-1]["mt_error"]


def test_translate_json_and_jsonl_together_is_a_usage_error(desk):
    proc = tm(desk, "translate", "article.txt", "--json", "--jsonl", "--no-mt", check=False)
    assert proc.returncode != 0 and "--jsonl" in proc.stderr
