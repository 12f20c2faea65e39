#!/usr/bin/env python3
"""Writes the quickstart's character-level tokenizer (tokenizer.json + tokenizer_config.json).

The vocabulary is printable ASCII plus newline, one token per character (a BPE model with no merges), and five
special tokens. The chat template is ChatML. Run with any python3 (stdlib only); the output is committed.
"""
import json
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "model")
SPECIALS = ["<|pad|>", "<|bos|>", "<|eos|>", "<|im_start|>", "<|im_end|>"]
chars = ["\n"] + [chr(c) for c in range(32, 127)]
vocab = {s: i for i, s in enumerate(SPECIALS)}
for ch in chars:
    vocab[ch] = len(vocab)

tokenizer = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [
        {"id": vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True} for s in SPECIALS
    ],
    "normalizer": None,
    "pre_tokenizer": None,
    "post_processor": {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<|bos|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<|bos|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<|bos|>": {"id": "<|bos|>", "ids": [vocab["<|bos|>"]], "tokens": ["<|bos|>"]}},
    },
    "decoder": {"type": "Fuse"},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
              "vocab": vocab, "merges": []},
}
CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
          "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
config = {
    "bos_token": "<|bos|>", "eos_token": "<|im_end|>", "pad_token": "<|pad|>", "unk_token": None,
    "add_bos_token": True, "add_eos_token": False, "model_max_length": 256,
    "tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": False,
    "added_tokens_decoder": {str(vocab[s]): {"content": s, "lstrip": False, "normalized": False, "rstrip": False,
                                             "single_word": False, "special": True} for s in SPECIALS},
    "chat_template": CHATML,
}
os.makedirs(HERE, exist_ok=True)
with open(os.path.join(HERE, "tokenizer.json"), "w") as f:
    json.dump(tokenizer, f, indent=1, ensure_ascii=False)
    f.write("\n")
with open(os.path.join(HERE, "tokenizer_config.json"), "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
print("vocab size", len(vocab))
