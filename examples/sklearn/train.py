#!/usr/bin/python3
"""Train two realistic scikit-learn classifiers and export them to ONNX the way skl2onnx does.

Run with Debian's interpreter (it has scikit-learn 1.2.1 and onnx 1.12):

    /usr/bin/python3 examples/sklearn/train.py

skl2onnx cannot be installed on this machine, so the graphs are built by the skl2onnx
re-implementation in test/fixtures/onnx/make_fixtures.py (same nodes, attributes, names,
initializers and opsets as `skl2onnx 1.16.0`). The call each model stands for is

    convert_sklearn(model, initial_types=[("float_input", FloatTensorType([None, F]))],
                    target_opset=17)

i.e. skl2onnx's defaults, ZipMap included. With skl2onnx installed, that call gives the
same graph (up to the random graph name) and predict.ts runs on it unchanged.

Writes, next to this script:
    breast_cancer_lr.onnx       Pipeline(StandardScaler, LogisticRegression), breast_cancer, 30 features
    digits_mlp.onnx             Pipeline(StandardScaler, MLPClassifier((32,), relu)), digits, 64 pixels
    <name>.rows.json            {"rows": 20 held-out float32 rows, "sklearn": predict / predict_proba
                                 on exactly those rows, ...}; the CLI reads its "rows" key directly
Re-running it rewrites byte-identical files.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # leave no __pycache__ in test/fixtures
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "fixtures", "onnx"))
import make_fixtures as skl  # noqa: E402  (the skl2onnx emulation and a float32 numpy evaluator)

N_ROWS = 20
TARGET_OPSET = 17  # what skl2onnx 1.16 picks by default next to onnx 1.12


def export(name, model, dataset, Xte, yte):
    X = np.asarray(Xte[:N_ROWS], dtype=np.float32)  # the rows the ONNX model will see
    pred = model.predict(X)
    proba = model.predict_proba(X)

    onx = skl.convert_sklearn(model, X.shape[1], TARGET_OPSET, zipmap=True,
                              graph_name=skl.graph_name_for(name))
    checker = skl.validate(onx)
    # The graph itself, evaluated in float32 numpy, must give scikit-learn's answers.
    labels, maps = skl.run_onnx(onx, {"float_input": X})
    assert [int(v) for v in labels] == [int(v) for v in pred], name
    keys = [int(c) for c in model.classes_]
    skl.check_close(name, [[m[k] for k in keys] for m in maps], proba)

    data = onx.SerializeToString()
    with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
        f.write(data)
    ref = {
        "model": " ".join(repr(model).split()),
        "dataset": dataset,
        "held_out_accuracy": float(model.score(Xte, yte)),
        "onnx": {
            "file": name + ".onnx",
            "bytes": len(data),
            "emulates": ("skl2onnx 1.16.0: convert_sklearn(model, initial_types=[('float_input', "
                         "FloatTensorType([None, %d]))], target_opset=%d)"
                         % (X.shape[1], TARGET_OPSET)),
            "outputs": "output_label [N] int64; output_probability seq(map(int64, float)) (ZipMap)",
            "ops": skl.ops_desc(onx)["ops"],
            "checker": checker,
        },
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
                     "onnx": skl.onnx.__version__},
        "rows": skl.tolist_f(X),
        "sklearn": {
            "classes": skl.tolist_f(model.classes_),
            "predict": skl.tolist_f(pred),
            "predict_proba": skl.tolist_f(proba),
        },
    }
    with open(os.path.join(HERE, name + ".rows.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("%-18s %6d B onnx  held-out accuracy %.4f  (%s)"
          % (name, len(data), ref["held_out_accuracy"], " ".join(ref["onnx"]["ops"])))


def main():
    split = ("train_test_split(X, y, test_size=0.25, random_state=42, stratify=y); "
             "fit on the float64 train split; rows = first %d held-out rows as float32" % N_ROWS)

    bc = load_breast_cancer()
    Xtr, Xte, ytr, yte = skl.split(bc.data, bc.target)
    lr = Pipeline([("scaler", StandardScaler()),
                   ("lr", LogisticRegression(max_iter=1000))]).fit(Xtr, ytr)
    export("breast_cancer_lr", lr,
           {"loader": "sklearn.datasets.load_breast_cancer()", "features": "all 30",
            "classes": "0 = malignant, 1 = benign", "split": split}, Xte, yte)

    digits = load_digits()
    Xtr, Xte, ytr, yte = skl.split(digits.data, digits.target)
    mlp = Pipeline([("scaler", StandardScaler()),
                    ("mlp", MLPClassifier(hidden_layer_sizes=(32,), activation="relu",
                                          alpha=1e-3, max_iter=500, random_state=0))]).fit(Xtr, ytr)
    export("digits_mlp", mlp,
           {"loader": "sklearn.datasets.load_digits()", "features": "64 pixels (8x8, values 0..16)",
            "classes": "digits 0..9", "split": split}, Xte, yte)


if __name__ == "__main__":
    main()
