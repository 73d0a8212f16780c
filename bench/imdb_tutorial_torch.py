#!/usr/bin/env python3
"""The tutorial pipeline in PyTorch, on the token ids webgrad produced (issue 5's reference run).

First export the padded arrays (and the learning rate webgrad's finder chose) from Node:

    node dist/bench/imdb-tutorial.js --export /tmp/imdb-export [--limit N]
    python3 bench/imdb_tutorial_torch.py /tmp/imdb-export [--lr LR] [--epochs 30] [--batch-size 512]

The export holds x_train.i32 / x_test.i32 (int32, [n, maxlen], Keras-padded: 'pre' padding,
'post' truncation, OOV = 1), y_train.f32 / y_test.f32 and meta.json. Tokenization is therefore
identical by construction.

Model (Keras semantics): Embedding(10000, 16, uniform ±0.05) -> bidirectional GRU(32) (PyTorch's
GRU is Keras's reset_after=True form; kernels glorot_uniform, recurrent kernels orthogonal, biases
zero; the output is [forward final state, backward final state]) -> Dense(6, relu) ->
Dense(1, sigmoid); binary cross-entropy; Adam(lr, betas 0.9/0.999, eps 1e-7). Training: shuffled
batches, up to `epochs`, validation = the test split, EarlyStopping(val_accuracy, min_delta 1e-4,
patience 1, restore_best_weights) with Keras's exact rule. The LR defaults to the one webgrad used
(meta.json), so both libraries train the same pipeline at the same LR; --lr overrides it.

--same-start loads webgrad's initial weights from the export (weights.f32, Keras order and
layouts, mapped to PyTorch's [r, z, n] gate order and transposed kernels) instead of drawing new
ones; with --no-shuffle (here and in the webgrad run) both libraries then see the same batches
from the same point, and their per-epoch losses must agree up to float32 rounding.

Prints the test accuracy and writes bench/results/imdb-tutorial-torch-<time>.json.
"""
import argparse
import copy
import json
import os
import sys
import time

import numpy as np

try:
    import torch
    import torch.nn as nn
except ImportError:  # pragma: no cover
    sys.exit("imdb_tutorial_torch.py: PyTorch is not installed (Debian: python3-torch)")


def load(d):
    meta = json.load(open(os.path.join(d, "meta.json")))
    T = meta["maxlen"]
    xtr = np.fromfile(os.path.join(d, "x_train.i32"), dtype="<i4").reshape(-1, T)
    ytr = np.fromfile(os.path.join(d, "y_train.f32"), dtype="<f4")
    xte = np.fromfile(os.path.join(d, "x_test.i32"), dtype="<i4").reshape(-1, T)
    yte = np.fromfile(os.path.join(d, "y_test.f32"), dtype="<f4")
    assert len(xtr) == meta["nTrain"] == len(ytr) and len(xte) == meta["nTest"] == len(yte)
    return meta, xtr, ytr, xte, yte


class Tutorial(nn.Module):
    def __init__(self, vocab=10000, embed=16, units=32, dense=6):
        super().__init__()
        self.emb = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, units, batch_first=True, bidirectional=True)
        self.d1 = nn.Linear(2 * units, dense)
        self.d2 = nn.Linear(dense, 1)
        self.units = units
        self.keras_init()

    def keras_init(self):
        u = self.units
        nn.init.uniform_(self.emb.weight, -0.05, 0.05)
        for name, p in self.gru.named_parameters():
            if name.startswith("weight_ih"):
                # Keras glorot_uniform over the whole (in, 3u) kernel; PyTorch stores (3u, in), gates r|z|n.
                nn.init.xavier_uniform_(p)
            elif name.startswith("weight_hh"):
                # Keras orthogonal over the whole (u, 3u) recurrent kernel.
                w = torch.empty(u, 3 * u)
                nn.init.orthogonal_(w)
                with torch.no_grad():
                    p.copy_(w.t())
            else:
                nn.init.zeros_(p)
        for lin in (self.d1, self.d2):
            nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)

    def forward(self, x):
        _, h = self.gru(self.emb(x))  # h: [2, B, u] = final forward, final backward
        z = torch.cat([h[0], h[1]], dim=1)
        return self.d2(torch.relu(self.d1(z))).squeeze(1)  # logits


def load_keras_weights(model, d, shapes):
    """webgrad's weights in Keras order: embedding; forward GRU kernel (in, 3u), recurrent (u, 3u),
    bias (2, 3u); the backward GRU likewise; dense kernels (in, out) and biases."""
    flat = np.fromfile(os.path.join(d, "weights.f32"), dtype="<f4")
    arrays, at = [], 0
    for s in shapes:
        n = int(np.prod(s))
        arrays.append(torch.from_numpy(flat[at:at + n].reshape(s).copy()))
        at += n
    assert at == len(flat), f"weights.f32 holds {len(flat)} floats, meta.json's shapes {at}"
    emb, fk, fr, fb, bk, br, bb, d1k, d1b, d2k, d2b = arrays
    u = model.units
    # Keras gate blocks [z | r | h] -> PyTorch [r | z | n], rows of the transposed kernels.
    to_torch = lambda m: torch.cat([m[:, u:2 * u], m[:, 0:u], m[:, 2 * u:]], dim=1).t().contiguous()
    with torch.no_grad():
        model.emb.weight.copy_(emb)
        for suffix, k, r, b in (("", fk, fr, fb), ("_reverse", bk, br, bb)):
            getattr(model.gru, "weight_ih_l0" + suffix).copy_(to_torch(k))
            getattr(model.gru, "weight_hh_l0" + suffix).copy_(to_torch(r))
            getattr(model.gru, "bias_ih_l0" + suffix).copy_(to_torch(b[0:1]).squeeze(1))
            getattr(model.gru, "bias_hh_l0" + suffix).copy_(to_torch(b[1:2]).squeeze(1))
        model.d1.weight.copy_(d1k.t())
        model.d1.bias.copy_(d1b)
        model.d2.weight.copy_(d2k.t())
        model.d2.bias.copy_(d2b)


def evaluate(model, x, y, bs, loss_fn):
    model.eval()
    tot_loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), bs):
            xb, yb = x[i:i + bs], y[i:i + bs]
            logits = model(xb)
            tot_loss += loss_fn(logits, yb).item() * len(xb)
            correct += ((logits > 0).float() == yb).sum().item()
    return tot_loss / len(x), correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export_dir")
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--same-start", action="store_true", help="start from webgrad's exported initial weights")
    ap.add_argument("--no-shuffle", action="store_true", help="batches in data order (for the parity check)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    meta, xtr, ytr, xte, yte = load(a.export_dir)
    lr = a.lr if a.lr is not None else meta["lr"]
    epochs = a.epochs if a.epochs is not None else meta.get("epochs", 30)
    bs = a.batch_size if a.batch_size is not None else meta.get("batchSize", 512)
    torch.manual_seed(a.seed)
    model = Tutorial(vocab=meta["numWords"])
    if a.same_start:
        load_keras_weights(model, a.export_dir, meta["weightShapes"])
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.BCEWithLogitsLoss()
    Xtr, Ytr = torch.from_numpy(xtr.astype(np.int64)), torch.from_numpy(ytr)
    Xte, Yte = torch.from_numpy(xte.astype(np.int64)), torch.from_numpy(yte)

    # Keras EarlyStopping(monitor='val_accuracy', min_delta=1e-4, patience=1, restore_best_weights=True).
    best, best_state, wait, stopped = -float("inf"), None, 0, None
    hist = []
    t0 = time.time()
    g = torch.Generator().manual_seed(a.seed)
    for epoch in range(epochs):
        model.train()
        te = time.time()
        perm = torch.arange(len(Xtr)) if a.no_shuffle else torch.randperm(len(Xtr), generator=g)
        tot, correct = 0.0, 0
        for i in range(0, len(Xtr), bs):
            idx = perm[i:i + bs]
            xb, yb = Xtr[idx], Ytr[idx]
            opt.zero_grad()
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
            correct += ((logits.detach() > 0).float() == yb).sum().item()
        train_secs = time.time() - te
        vl, va = evaluate(model, Xte, Yte, bs, loss_fn)
        hist.append({"epoch": epoch + 1, "loss": tot / len(Xtr), "accuracy": correct / len(Xtr), "val_loss": vl,
                     "val_accuracy": va, "train_seconds": train_secs, "samples_per_sec": len(Xtr) / train_secs})
        print(f"Epoch {epoch + 1}/{epochs} loss={tot / len(Xtr):.5f} accuracy={correct / len(Xtr):.5f} "
              f"val_loss={vl:.5f} val_accuracy={va:.5f} ({len(Xtr) / train_secs:.0f} samples/s)", flush=True)
        if va > best + 1e-4:
            best, wait, best_state = va, 0, copy.deepcopy(model.state_dict())
        else:
            wait += 1
            if wait >= 1:
                stopped = f"patience: val_accuracy did not improve for 1 epoch after epoch {epoch + 1 - wait}"
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    seconds = time.time() - t0
    test_loss, test_acc = evaluate(model, Xte, Yte, bs, loss_fn)
    print(f"torch {torch.__version__}: lr {lr:.3e}, epochs run {len(hist)}{' (' + stopped + ')' if stopped else ''}; "
          f"test accuracy {test_acc:.4f}, loss {test_loss:.4f}; {seconds:.1f} s")
    os.makedirs("bench/results", exist_ok=True)
    out = os.path.join("bench/results", "imdb-tutorial-torch-" + time.strftime("%Y-%m-%dT%H-%M-%S", time.gmtime()) + ".json")
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "lr": lr, "batch_size": bs, "epochs": epochs,
               "same_start": a.same_start, "shuffle": not a.no_shuffle, "n_train": len(xtr), "n_test": len(xte), "history": hist, "stop_reason": stopped,
               "test": {"accuracy": test_acc, "loss": test_loss}, "seconds": seconds}, open(out, "w"), indent=2)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
