"""The Python side of the encoder comparison (harness only; never part of the product).

    python engines.py export MODEL_DIR OUT_DIR
        MODEL_DIR is adlens's converted multilingual-e5-small (config.json,
        model.safetensors, tokenizer.json). Writes OUT_DIR/hf (a Hugging Face
        BertModel folder), OUT_DIR/model.onnx (f32, pooled and normalised output)
        and OUT_DIR/model.int8.onnx (ONNX Runtime dynamic int8 weights).
    python engines.py run ENGINE MODEL_DIR OUT_DIR TEXTS.jsonl BATCH EMBEDDINGS.bin [LIMIT]
        ENGINE is torch, ort or ort-int8. Embeds the texts the way adlens does
        ("passage: " prefix, tokenizer.json truncated to 512 and padded to the
        longest of each request, masked mean, L2 norm), in requests of BATCH
        consecutive texts, untimed warm-up on the first request; prints one JSON
        line of figures and writes the embeddings as little-endian f32 rows.

Threads: 2 everywhere (torch.set_num_threads, ORT intra-op), the machine's cores.
"""

import json
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

THREADS = 2
PREFIX = "passage: "


def tokenizer(model_dir):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.enable_truncation(512)
    tok.enable_padding(pad_id=1, pad_token="<pad>")
    return tok


def encode(tok, texts):
    enc = tok.encode_batch([PREFIX + t for t in texts])
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
    return ids, mask


def load_torch(model_dir):
    import torch
    from safetensors.torch import load_file
    from transformers import BertConfig, BertModel

    cfg = BertConfig.from_json_file(str(Path(model_dir) / "config.json"))
    model = BertModel(cfg, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(
        load_file(str(Path(model_dir) / "model.safetensors")), strict=False
    )
    # position_ids is a buffer some transformers versions keep; nothing else may be missing.
    assert not [m for m in missing if "position_ids" not in m], missing
    assert not unexpected, unexpected
    return model.eval()


class Pooled:
    """BertModel + masked mean + L2 norm, as one module (exported to ONNX)."""

    def __init__(self, model):
        import torch

        class M(torch.nn.Module):
            def __init__(self, bert):
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask):
                hidden = self.bert(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=torch.zeros_like(input_ids),
                ).last_hidden_state
                w = attention_mask.unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * w).sum(1) / w.sum(1)
                return torch.nn.functional.normalize(mean, dim=-1)

        self.module = M(model).eval()


def export(model_dir, out_dir):
    import torch

    out = Path(out_dir)
    hf = out / "hf"
    hf.mkdir(parents=True, exist_ok=True)
    model = load_torch(model_dir)
    model.save_pretrained(str(hf))
    shutil.copy(Path(model_dir) / "tokenizer.json", hf / "tokenizer.json")
    pooled = Pooled(model).module
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        pooled,
        (ids, mask),
        str(out / "model.onnx"),
        input_names=["input_ids", "attention_mask"],
        output_names=["embedding"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "embedding": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(out / "model.onnx"), str(out / "model.int8.onnx"), weight_type=QuantType.QInt8
    )
    print(f"exported to {out}", file=sys.stderr)


def make_engine(name, model_dir, out_dir):
    if name == "torch":
        import torch

        torch.set_num_threads(THREADS)
        pooled = Pooled(load_torch(model_dir)).module

        def run(ids, mask):
            with torch.inference_mode():
                return pooled(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()

        return run
    if name in ("ort", "ort-int8"):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = THREADS
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        file = "model.onnx" if name == "ort" else "model.int8.onnx"
        sess = ort.InferenceSession(
            str(Path(out_dir) / file), opts, providers=["CPUExecutionProvider"]
        )

        def run(ids, mask):
            return sess.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]

        return run
    raise SystemExit(f"unknown engine {name}")


def bench(name, model_dir, out_dir, texts_path, batch, emb_path, limit=None):
    with open(texts_path, encoding="utf-8") as f:
        texts = [json.loads(l)["text"] for l in f if l.strip()]
    if limit:
        texts = texts[:limit]
    tok = tokenizer(model_dir)
    run = make_engine(name, model_dir, out_dir)
    requests = [texts[i : i + batch] for i in range(0, len(texts), batch)]
    run(*encode(tok, requests[0]))  # warm-up, untimed
    times, rows, tokens = [], [], 0
    start = time.perf_counter()
    for req in requests:
        t = time.perf_counter()
        ids, mask = encode(tok, req)
        rows.append(run(ids, mask))
        times.append((time.perf_counter() - t) * 1e3)
        tokens += int(mask.sum())
    seconds = time.perf_counter() - start
    np.concatenate(rows).astype("<f4").tofile(emb_path)
    times.sort()

    def q(p):
        return times[max(1, min(len(times), int(np.ceil(p * len(times))))) - 1]

    print(
        json.dumps(
            {
                "engine": name,
                "batch": batch,
                "notes": len(texts),
                "windows": len(texts),
                "tokens": tokens,
                "seconds": seconds,
                "notes_per_s": len(texts) / seconds,
                "p50_ms": q(0.5),
                "p95_ms": q(0.95),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "export":
        export(sys.argv[2], sys.argv[3])
    elif cmd == "run":
        engine, model_dir, out_dir, texts, batch, emb = sys.argv[2:8]
        limit = int(sys.argv[8]) if len(sys.argv) > 8 else None
        bench(engine, model_dir, out_dir, texts, int(batch), emb, limit)
    else:
        raise SystemExit(__doc__)
