#!/usr/bin/env python3
"""Trained models for the peer benchmarks (bench/compare.ts). Run from the repository root with
Debian's interpreter (scikit-learn 1.2.1, onnx 1.12, torch 1.13):

    /usr/bin/python3 bench/models/make_models.py

Writes, next to this script (deterministic: fixed seeds, one torch thread):
  blog_lr.onnx                 the blog's logistic regression (examples/logistic-regression) as
                               skl2onnx converts it (LinearClassifier + Normalizer, no ZipMap),
                               through the fixtures' skl2onnx emulation
  mlp_64_128_64_10.onnx        torch MLP 64-128-64-10 (ReLU, softmax) trained on sklearn digits
  mlp_784_256_128_10.onnx      torch MLP 784-256-128-10 (ReLU, softmax) trained on digits drawn
                               at MNIST's 28x28 (each pixel a 3x3 block, 2 pixels of border)
  <name>.rows.f32              32 held-out float32 rows, row-major, little-endian
  <name>.json                  what the framework returns on those rows, and how it was made
"""
import io
import json
import os
import sys

import numpy as np
import onnx
import torch
from torch import nn
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "fixtures", "onnx"))
import make_fixtures  # noqa: E402  (the fixtures' skl2onnx emulation)

N_ROWS = 32
torch.manual_seed(0)
torch.set_num_threads(1)


def save(name, onx_bytes, rows, expected, desc):
    with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
        f.write(onx_bytes)
    rows = np.ascontiguousarray(rows, dtype="<f4")
    with open(os.path.join(HERE, name + ".rows.f32"), "wb") as f:
        f.write(rows.tobytes())
    ref = dict(desc)
    ref.update({"name": name, "rows": int(rows.shape[0]), "features": int(rows.shape[1]),
                "expected": [[float(v) for v in r] for r in np.asarray(expected, dtype=np.float64)]})
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("%-24s %8d B onnx, %d rows x %d" % (name, len(onx_bytes), rows.shape[0], rows.shape[1]))


def blog_lr():
    # examples/logistic-regression/train.py, same draws.
    np.random.seed(66)
    n = 1000
    x1 = np.random.uniform(-2, 2, n)
    x2 = np.random.uniform(-2, 2, n)
    p = 1 / (1 + np.exp(-(0.75 + 1.5 * x1 - 0.5 * x2)))
    y = np.random.binomial(1, p)
    X = np.column_stack([x1, x2])
    clf = LogisticRegression().fit(X, y)
    onx = make_fixtures.convert_sklearn(clf, 2, 15, zipmap=False)
    rows = X[:N_ROWS].astype(np.float32)
    save("blog_lr", onx.SerializeToString(), rows, clf.predict_proba(rows.astype(np.float64)),
         {"framework": "scikit-learn %s" % __import__("sklearn").__version__,
          "model": "LogisticRegression() fitted on the blog's 1000 simulated rows (seed 66)",
          "export": "skl2onnx convert_sklearn(..., options={'zipmap': False}) as emulated by "
                    "test/fixtures/onnx/make_fixtures.py; outputs label, probabilities",
          "output": "probabilities"})


def mlp(name, widths, X, y, epochs, lr):
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers[-1] = nn.Softmax(dim=1)
    model = nn.Sequential(*layers)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=42, stratify=y)
    Xt, yt = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(ytr)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    # The softmax is part of the model; train on log of it.
    for _ in range(epochs):
        opt.zero_grad()
        loss = nn.functional.nll_loss(torch.log(model(Xt) + 1e-12), yt)
        loss.backward()
        opt.step()
    model.eval()
    Xe = torch.tensor(Xte, dtype=torch.float32)
    with torch.no_grad():
        acc = float((model(Xe).argmax(1).numpy() == yte).mean())
        rows = Xe[:N_ROWS]
        want = model(rows).numpy()
    buf = io.BytesIO()
    torch.onnx.export(model, rows[:2], buf, opset_version=13, input_names=["input"],
                      output_names=["output"], do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    save(name, buf.getvalue(), rows.numpy(), want,
         {"framework": "torch %s" % torch.__version__,
          "model": "nn.Sequential(%s); %d full-batch Adam steps (lr %g), seed 0"
                   % (" ".join("Linear(%d,%d)" % ab for ab in zip(widths[:-1], widths[1:])), epochs, lr),
          "dataset": "sklearn digits, train_test_split(test_size=0.25, random_state=42, stratify=y)",
          "held_out_accuracy": acc,
          "export": "torch.onnx.export(opset_version=13, dynamic batch axis)",
          "output": "output"})


def main():
    blog_lr()
    d = load_digits()
    X8 = (d.data / 16.0).astype(np.float32)
    mlp("mlp_64_128_64_10", [64, 128, 64, 10], X8, d.target, 200, 0.01)
    img = X8.reshape(-1, 8, 8)
    X28 = np.pad(np.kron(img, np.ones((3, 3), dtype=np.float32)), ((0, 0), (2, 2), (2, 2))).reshape(-1, 784)
    mlp("mlp_784_256_128_10", [784, 256, 128, 10], X28, d.target, 100, 0.002)


if __name__ == "__main__":
    main()
