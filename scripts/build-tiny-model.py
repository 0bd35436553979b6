#!/usr/bin/env python3
"""Build a TINY, RANDOM-WEIGHT BERT-like sentence-embedding model in the
Transformers.js (@xenova/transformers 2.x) on-disk layout.

The model is useless for semantics; it exists so tests can exercise the real
Transformers.js loading path (pipeline('feature-extraction', ...), tokenizer,
onnxruntime session, mean pooling, normalisation, tensor shapes) fully offline.

Graph: word + position + token-type embeddings -> one single-head self-attention
layer that masks padded keys with the attention mask (residual) -> one dense tanh
layer -> last_hidden_state [batch, seq, hidden]. Hidden states at padded
positions are left non-zero, as in a real BERT, so only mean pooling that honours
the attention mask gives a text the same embedding alone and padded in a batch.

Usage:
    /usr/bin/python3 scripts/build-tiny-model.py OUT_DIR [--name dossier-tiny]
        [--hidden 32] [--seed 1234]

Writes OUT_DIR/<name>/:
    config.json
    tokenizer.json
    tokenizer_config.json
    onnx/model.onnx
    onnx/model_quantized.onnx      (same float graph; loaded when quantized=true)

Requires Debian packages python3-onnx and python3-numpy
(`apt-get install -y python3-onnx python3-numpy`). Output is byte-for-byte
deterministic for a given seed / hidden size.
"""

import argparse
import json
import os
import string
import sys

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:  # pragma: no cover
    sys.stderr.write(
        "error: %s\nInstall with: apt-get install -y python3-onnx python3-numpy "
        "and run with /usr/bin/python3\n" % e
    )
    sys.exit(2)

MAX_POSITIONS = 512
TYPE_VOCAB_SIZE = 2
OPSET = 13
IR_VERSION = 8  # onnxruntime 1.14 supports IR <= 8

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# A few hundred common English words (lowercase; the normalizer lowercases and
# strips accents, so "Việt Nam" -> "viet nam").
COMMON_WORDS = """
the of and to in a is that for it as was with be by on not he i this are or his
from at which but have an they you were her she there been one all we their has
would when if so no will more what can out up about into than them its who may
only other new some could time these two first then do any like my now over such
our man me even most made after also did many before must through back years
where much your way well down should because each just those people how too
little state good very make world still own see men work long get here between
both life being under never day same another know while last might us great old
year off come since against go came right used take three states himself few
house use during without again place around however home small found thought
went say part once general high upon school every don does got united left
number course war until always away something fact though water less public put
think almost hand enough far took head yet government system better set told
nothing night end why called didn eyes find going look asked later knew point
next city business give group toward young days let room president side social
given present several order national second possible rather per face among form
important often things looking early white case john become large big need four
within felt along children saw best church ever least power development light
thing seemed family interest want members mind country area others done turned
although open god service certain kind problem began different door thus help
sense means whole matter perhaps itself york times law human line above name
example action company hands local show whether five history gave today either
act feet across taken past quite anything seen having death experience body word
half really field am car words already themselves information tell together
college shall money period held keep sure free seems real behind cannot miss
political air question making office brought whose special major heard problems
ago became federal study available known result street economic boy position
reason change south board individual job society areas west close turn love
community true court force full seem am wife future age wanted department voice
center woman control common policy necessary following front sometimes six girl
clear further land run students provide feel party able mother music education
university child effect level stood military town short morning total outside
rate figure class art century north washington leave therefore top million sound
hello test data model search document news report nation nations ties upgraded
japan viet vietnam nam china india europe america american asia agreement trade
partnership relations minister prime foreign visit summit leaders signed deal
market price energy climate security strategic comprehensive cooperation
economy growth bank percent said says according official officials announced
new today yesterday week month january february march april may june july
august september october november december monday tuesday wednesday thursday
friday saturday sunday
""".split()

# Continuation pieces ("##" prefix). Suffixes first, then single characters.
SUFFIXES = """
s es ed d ing ly er ers est ion ions tion tions sion ment ments ness ity ies
al ally ic ical ous ful less able ible ive ize ise ized ised ization an ian
ans ist ists ism ry ary ory ure ship hood ward wards en th y ey e a o i u
ade age ance ence ant ent ate ated ating ation ations ial ing ings in on or
ar ur le les re te ted ter ters ting st nd ng nt ll ss
""".split()

PUNCT = list(string.punctuation)  # !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
EXTRA_PUNCT = ["\u2013", "\u2014", "\u2018", "\u2019", "\u201c", "\u201d", "\u2026"]


def build_vocab():
    tokens = []
    seen = set()

    def add(t):
        if t not in seen:
            seen.add(t)
            tokens.append(t)

    for t in SPECIAL_TOKENS:
        add(t)
    for c in PUNCT + EXTRA_PUNCT:
        add(c)
    for c in string.digits:
        add(c)
    for c in string.ascii_lowercase:
        add(c)
    for w in COMMON_WORDS:
        add(w)
    for s in SUFFIXES:
        add("##" + s)
    for c in string.ascii_lowercase + string.digits:
        add("##" + c)
    # common multi-digit continuation for years/numbers
    for n in ["00", "10", "20", "23", "24", "25", "19", "50"]:
        add("##" + n)
    return {t: i for i, t in enumerate(tokens)}


def tokenizer_json(vocab):
    added = [
        {
            "id": vocab[t],
            "content": t,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for t in SPECIAL_TOKENS
    ]
    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": True,
            "lowercase": True,
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
            ],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [cls_id], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [sep_id], "tokens": ["[SEP]"]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": vocab,
        },
    }


def tokenizer_config():
    return {
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": True,
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "model_max_length": MAX_POSITIONS,
        "clean_up_tokenization_spaces": True,
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
        "pad_token": "[PAD]",
        "unk_token": "[UNK]",
        "mask_token": "[MASK]",
    }


def model_config(vocab_size, hidden, name):
    return {
        "_name_or_path": name,
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab_size,
        "hidden_size": hidden,
        "num_hidden_layers": 1,
        "num_attention_heads": 1,
        "intermediate_size": hidden,
        "hidden_act": "tanh",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": MAX_POSITIONS,
        "type_vocab_size": TYPE_VOCAB_SIZE,
        "initializer_range": 0.02,
        "layer_norm_eps": 1e-12,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": "4.36.0",
        "_comment": "TINY RANDOM-WEIGHT TEST MODEL generated by scripts/build-tiny-model.py; embeddings are meaningless.",
    }


def build_onnx(vocab_size, hidden, seed):
    rng = np.random.RandomState(seed)
    f32 = np.float32
    word = (rng.standard_normal((vocab_size, hidden)) * 0.5).astype(f32)
    pos = (rng.standard_normal((MAX_POSITIONS, hidden)) * 0.1).astype(f32)
    typ = (rng.standard_normal((TYPE_VOCAB_SIZE, hidden)) * 0.1).astype(f32)
    w = (rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)).astype(f32)
    b = (rng.standard_normal((hidden,)) * 0.02).astype(f32)
    wq = (rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)).astype(f32)
    wk = (rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)).astype(f32)
    wv = (rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)).astype(f32)

    inits = [
        numpy_helper.from_array(word, "word_embeddings"),
        numpy_helper.from_array(pos, "position_embeddings"),
        numpy_helper.from_array(typ, "token_type_embeddings"),
        numpy_helper.from_array(w, "dense_weight"),
        numpy_helper.from_array(b, "dense_bias"),
        numpy_helper.from_array(wq, "query_weight"),
        numpy_helper.from_array(wk, "key_weight"),
        numpy_helper.from_array(wv, "value_weight"),
        numpy_helper.from_array(np.array(1.0 / np.sqrt(hidden), dtype=f32), "attn_scale"),
        numpy_helper.from_array(np.array(1.0, dtype=f32), "one_f32"),
        numpy_helper.from_array(np.array(-10000.0, dtype=f32), "mask_neg"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "head_axis"),
        numpy_helper.from_array(np.array(0, dtype=np.int64), "zero_i64"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "one_i64"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "seq_axis"),
    ]

    nodes = [
        # token + token-type embeddings
        helper.make_node("Gather", ["word_embeddings", "input_ids"], ["tok_emb"], axis=0),
        helper.make_node("Gather", ["token_type_embeddings", "token_type_ids"], ["type_emb"], axis=0),
        # position ids = range(seq_len)
        helper.make_node("Shape", ["input_ids"], ["ids_shape"]),
        helper.make_node("Gather", ["ids_shape", "seq_axis"], ["seq_len"], axis=0),
        helper.make_node("Range", ["zero_i64", "seq_len", "one_i64"], ["position_ids"]),
        helper.make_node("Gather", ["position_embeddings", "position_ids"], ["pos_emb"], axis=0),
        helper.make_node("Add", ["tok_emb", "type_emb"], ["emb0"]),
        helper.make_node("Add", ["emb0", "pos_emb"], ["emb"]),  # [S,H] broadcasts over batch
        # one single-head self-attention layer; padded keys get -1e4 added to their
        # scores (as in BERT), so real tokens never attend to padding
        helper.make_node("MatMul", ["emb", "query_weight"], ["q"]),
        helper.make_node("MatMul", ["emb", "key_weight"], ["k"]),
        helper.make_node("MatMul", ["emb", "value_weight"], ["v"]),
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["qk"]),
        helper.make_node("Mul", ["qk", "attn_scale"], ["scores"]),
        helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Sub", ["one_f32", "maskf"], ["inv_mask"]),
        helper.make_node("Mul", ["inv_mask", "mask_neg"], ["mask_bias2"]),
        helper.make_node("Unsqueeze", ["mask_bias2", "head_axis"], ["mask_bias"]),  # [B,1,S]
        helper.make_node("Add", ["scores", "mask_bias"], ["masked_scores"]),
        helper.make_node("Softmax", ["masked_scores"], ["probs"], axis=-1),
        helper.make_node("MatMul", ["probs", "v"], ["ctx"]),
        helper.make_node("Add", ["emb", "ctx"], ["attn_out"]),
        # one dense tanh layer. Padded positions are NOT zeroed (real BERT does not zero
        # them either), so pooling that ignored the attention mask would give a
        # different embedding for a text padded inside a batch; tests rely on that.
        helper.make_node("MatMul", ["attn_out", "dense_weight"], ["mm"]),
        helper.make_node("Add", ["mm", "dense_bias"], ["pre"]),
        helper.make_node("Tanh", ["pre"], ["last_hidden_state"]),
    ]

    def int_input(name):
        return helper.make_tensor_value_info(name, TensorProto.INT64, ["batch_size", "sequence_length"])

    graph = helper.make_graph(
        nodes,
        "dossier_tiny_random_bert",
        [int_input("input_ids"), int_input("attention_mask"), int_input("token_type_ids")],
        [
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, ["batch_size", "sequence_length", hidden]
            )
        ],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        producer_name="dossier-build-tiny-model",
        producer_version="1",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--name", default="dossier-tiny")
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args(argv)

    model_dir = os.path.join(args.out_dir, args.name)
    os.makedirs(os.path.join(model_dir, "onnx"), exist_ok=True)

    vocab = build_vocab()
    write_json(os.path.join(model_dir, "config.json"), model_config(len(vocab), args.hidden, args.name))
    write_json(os.path.join(model_dir, "tokenizer.json"), tokenizer_json(vocab))
    write_json(os.path.join(model_dir, "tokenizer_config.json"), tokenizer_config())

    data = build_onnx(len(vocab), args.hidden, args.seed).SerializeToString()
    for fname in ("model.onnx", "model_quantized.onnx"):
        with open(os.path.join(model_dir, "onnx", fname), "wb") as f:
            f.write(data)

    total = 0
    for root, _, files in os.walk(model_dir):
        for fn in files:
            total += os.path.getsize(os.path.join(root, fn))
    print("wrote %s (vocab=%d, hidden=%d, %d bytes total)" % (model_dir, len(vocab), args.hidden, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
