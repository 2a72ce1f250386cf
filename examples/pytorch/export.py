#!/usr/bin/python3
"""Train two small PyTorch MLPs and export them with torch.onnx.export (opset 13, dynamic batch).

Run with Debian's interpreter (it has torch 1.13, scikit-learn 1.2.1 and onnx 1.12):

    /usr/bin/python3 examples/pytorch/export.py

Writes, next to this script:
    iris_relu_softmax.onnx    Linear(4,16) ReLU Linear(16,3) Softmax(dim=1)       -> class probabilities [N, 3]
    bc_tanh_sigmoid.onnx      Standardize(30) Linear(30,16) Tanh Linear(16,1) Sigmoid -> P(benign) [N, 1]
    <name>.rows.json          {"rows": 20 held-out float32 rows, "torch": {"forward": model(rows)}, ...};
                              the CLI reads its "rows" key directly

Both are trained full-batch with Adam from a fixed seed on one CPU thread, so re-running gives
the same files. The breast-cancer model standardizes its own input: the training set's mean
and std are buffers of a Standardize module, exported as a Sub and a Div by constants.
"""
import io
import json
import os
import sys

import numpy as np
import onnx
import torch
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.model_selection import train_test_split
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # leave no __pycache__ in test/fixtures
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "fixtures", "onnx"))
from make_fixtures import check_close, run_onnx, tolist_f  # noqa: E402  (float32 numpy evaluator)

N_ROWS = 20
OPSET = 13
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


class Standardize(nn.Module):
    """(x - mean) / std with the training set's statistics, carried inside the model."""

    def __init__(self, X):
        super().__init__()
        self.register_buffer("mean", torch.tensor(X.mean(axis=0), dtype=torch.float32))
        self.register_buffer("std", torch.tensor(X.std(axis=0), dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


def split(X, y):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=42, stratify=y)
    return (np.asarray(Xtr, np.float32), np.asarray(Xte, np.float32), ytr, yte)


def fit(net, X, y, loss_fn, steps, lr):
    """Full-batch Adam on `net` (the model without its output activation)."""
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    X = torch.from_numpy(X)
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(net(X), y)
        loss.backward()
        opt.step()
    net.eval()
    return float(loss)


def export(name, model, description, dataset, Xte, yte, output_note, output_name):
    model.eval()
    X = torch.from_numpy(Xte[:N_ROWS])
    with torch.no_grad():
        want = model(X).numpy()
        out_all = model(torch.from_numpy(Xte)).numpy()
    pred = (out_all[:, 0] > 0.5).astype(int) if out_all.shape[1] == 1 else out_all.argmax(axis=1)
    accuracy = float((pred == yte).mean())

    buf = io.BytesIO()
    torch.onnx.export(model, X[:2], buf, opset_version=OPSET, input_names=["input"],
                      output_names=[output_name], do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch"}, output_name: {0: "batch"}})
    data = buf.getvalue()
    onx = onnx.load_from_string(data)
    onnx.checker.check_model(onx, full_check=True)
    (got,) = run_onnx(onx, {"input": X.numpy()})  # the graph in float32 numpy must give forward()'s answers
    check_close(name, got, want)

    with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
        f.write(data)
    ops = []
    for n in onx.graph.node:
        if n.op_type not in ops:
            ops.append(n.op_type)
    ref = {
        "model": description,
        "dataset": dataset,
        "held_out_accuracy": accuracy,
        "onnx": {
            "file": name + ".onnx",
            "bytes": len(data),
            "export": ("torch.onnx.export(model.eval(), x[:2], f, opset_version=%d, input_names=['input'], "
                       "output_names=['%s'], do_constant_folding=True, dynamic_axes={'input': {0: 'batch'}, "
                       "'%s': {0: 'batch'}})" % (OPSET, output_name, output_name)),
            "output": output_note,
            "ops": ops,
        },
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__},
        "rows": tolist_f(X.numpy()),
        "torch": {"forward": tolist_f(want)},
    }
    with open(os.path.join(HERE, name + ".rows.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("%-18s %6d B onnx  held-out accuracy %.4f  (%s)" % (name, len(data), accuracy, " ".join(ops)))


def main():
    split_desc = ("train_test_split(X, y, test_size=0.25, random_state=42, stratify=y) as float32; "
                  "rows = first %d held-out rows" % N_ROWS)

    # iris: Linear / ReLU / Linear / Softmax. Trained on the logits with cross-entropy; the
    # exported model ends in Softmax, so it returns class probabilities.
    iris = load_iris()
    Xtr, Xte, ytr, yte = split(iris.data, iris.target)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3), nn.Softmax(dim=1))
    fit(model[:-1], Xtr, torch.from_numpy(ytr), nn.CrossEntropyLoss(), steps=500, lr=0.01)
    export("iris_relu_softmax", model,
           "nn.Sequential(Linear(4,16), ReLU(), Linear(16,3), Softmax(dim=1)); 500 full-batch Adam "
           "steps (lr 0.01, cross-entropy on the logits), torch.manual_seed(0)",
           {"loader": "sklearn.datasets.load_iris()", "features": "all 4 (cm)",
            "classes": "0 setosa, 1 versicolor, 2 virginica", "split": split_desc},
           Xte, yte, "class probabilities [N, 3]", "probabilities")

    # breast cancer: Standardize / Linear / Tanh / Linear / Sigmoid, binary.
    bc = load_breast_cancer()
    Xtr, Xte, ytr, yte = split(bc.data, bc.target)
    torch.manual_seed(1)
    model = nn.Sequential(Standardize(Xtr), nn.Linear(30, 16), nn.Tanh(), nn.Linear(16, 1), nn.Sigmoid())
    fit(model[:-1], Xtr, torch.tensor(ytr, dtype=torch.float32).reshape(-1, 1),
        nn.BCEWithLogitsLoss(), steps=300, lr=0.01)
    export("bc_tanh_sigmoid", model,
           "nn.Sequential(Standardize(train mean/std), Linear(30,16), Tanh(), Linear(16,1), Sigmoid()); "
           "300 full-batch Adam steps (lr 0.01, BCE on the logit), torch.manual_seed(1)",
           {"loader": "sklearn.datasets.load_breast_cancer()", "features": "all 30 (raw)",
            "classes": "0 malignant, 1 benign", "split": split_desc},
           Xte, yte, "P(class 1 = benign) [N, 1]", "p_benign")


if __name__ == "__main__":
    main()
