"""Tiny translation models built on the fly: random weights, a real tokenizer, saved to disk.

They load through the same `from_pretrained` code path as a downloaded model. The
sentencepiece models are trained on Arabic and English text written here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ARABIC = [
    "قال الرئيس إن الاقتصاد ينمو بسرعة هذا العام",
    "وقعت الحكومة اتفاقا بقيمة 500 مليون دولار مع الشركة",
    "ارتفعت أسعار النفط في الأسواق العالمية يوم الخميس",
    "أعلنت وزارة الدفاع عن صفقة جديدة لشراء طائرات بدون طيار",
    "زار وزير الخارجية المغرب والتقى نظيره في الرباط",
    "بدأت الزيارات الرسمية بين البلدين في ديسمبر 2020",
    "وأكد المتحدث باسم الوزارة أن المفاوضات مستمرة",
    "تراجع الدولار أمام اليورو بنسبة 2.5 في المئة",
]
ENGLISH = [
    "The president said the economy is growing fast this year",
    "The government signed a 500 million dollar agreement with the company",
    "Oil prices rose on world markets on Thursday",
    "The defence ministry announced a new deal to buy drones",
    "The foreign minister visited Morocco and met his counterpart in Rabat",
    "Official visits between the two countries began in December 2020",
    "The ministry spokesman confirmed that negotiations are continuing",
    "The dollar fell 2.5 percent against the euro",
]


def train_spm(texts: list[str], prefix: Path, vocab_size: int) -> Path:
    """Train a unigram sentencepiece model on texts; return the .model path."""
    import sentencepiece as spm

    corpus = prefix.with_suffix(".txt")
    corpus.write_text("\n".join(texts * 20), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        character_coverage=1.0,
        model_type="unigram",
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


def build_marian(
    out: Path,
    *,
    d_model: int = 16,
    layers: int = 1,
    heads: int = 2,
    ffn: int = 32,
    vocab_size: int | None = None,
    spm_vocab: int = 120,
    seed: int = 0,
    arabic: list[str] | None = None,
) -> Path:
    """Save a MarianMT model and its tokenizer to out (random weights, opus-mt vocabulary layout).

    Like opus-mt models, the vocabulary starts with </s> and <unk> and ends with <pad>.
    With vocab_size, filler pieces pad the vocabulary to that size (for benchmarks); with
    arabic, the source tokenizer is trained on those sentences instead of ARABIC.
    """
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    work = out / "spm-work"
    work.mkdir(exist_ok=True)
    src = train_spm(arabic or ARABIC, work / "ar", spm_vocab)
    tgt = train_spm(ENGLISH, work / "en", spm_vocab)
    shutil.copy(src, out / "source.spm")
    shutil.copy(tgt, out / "target.spm")
    import sentencepiece as spm

    vocab = {"</s>": 0, "<unk>": 1}
    for model in (src, tgt):
        sp = spm.SentencePieceProcessor(model_file=str(model))
        for i in range(sp.get_piece_size()):
            piece = sp.id_to_piece(i)
            if piece not in vocab and piece not in ("<s>", "<pad>", "</s>", "<unk>"):
                vocab[piece] = len(vocab)
    if vocab_size is not None:
        for i in range(vocab_size - 1 - len(vocab)):
            vocab[f"▁filler{i}"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(work)
    tokenizer = MarianTokenizer(str(out / "source.spm"), str(out / "target.spm"), str(out / "vocab.json"))
    tokenizer.save_pretrained(str(out))
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=512,
        pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=vocab["</s>"],
        share_encoder_decoder_embeddings=True,
        scale_embedding=True,
    )
    MarianMTModel(config).save_pretrained(str(out))
    return out


def build_m2m100(out: Path, *, seed: int = 0) -> Path:
    """Save a tiny M2M100 model (language tokens __ar__ / __en__) and its tokenizer to out."""
    import torch
    from transformers import M2M100Tokenizer

    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    model = train_spm(ARABIC + ENGLISH, out / "spm", 160)
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(model))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for i in range(sp.get_piece_size()):
        vocab.setdefault(sp.id_to_piece(i), len(vocab))
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (out / "spm.txt").unlink()
    (out / "spm.vocab").unlink()
    tokenizer = M2M100Tokenizer(str(out / "vocab.json"), str(model), src_lang="ar", tgt_lang="en")
    tokenizer.save_pretrained(str(out))
    # language tokens and "made-up words" come after the pieces, as in the real model
    return _save_m2m(tokenizer, out, max(tokenizer.lang_code_to_id.values()) + 1 + tokenizer.num_madeup_words)


def build_nllb(out: Path, *, seed: int = 0) -> Path:
    """Save a tiny NLLB-200-style model (arb_Arab / eng_Latn language tokens) and its tokenizer."""
    import torch
    from transformers import NllbTokenizer

    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    pieces = sorted({ch for text in ARABIC + ENGLISH for ch in text.replace(" ", "▁")})
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "▁": 4}
    for piece in pieces:
        vocab.setdefault(piece, len(vocab))
    tokenizer = NllbTokenizer(vocab=vocab, merges=[], src_lang="arb_Arab", tgt_lang="eng_Latn")
    tokenizer.save_pretrained(str(out))
    return _save_m2m(tokenizer, out, len(tokenizer))


def _save_m2m(tokenizer, out: Path, vocab_size: int) -> Path:  # type: ignore[no-untyped-def]
    """Save a one-layer M2M100 model (the architecture of M2M100 and NLLB-200) next to its tokenizer."""
    from transformers import M2M100Config, M2M100ForConditionalGeneration

    config = M2M100Config(
        vocab_size=vocab_size,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=256,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
    )
    M2M100ForConditionalGeneration(config).save_pretrained(str(out))
    return out
