#!/usr/bin/python3
"""Tree ensembles for bench/trees.bench.ts. Run from the repository root with Debian's
interpreter (scikit-learn, onnx):

    /usr/bin/python3 bench/models/make_tree_models.py [name ...]

Writes into bench/models/trees/ (ignored by git: tens of MB, regenerated in a minute; the bench
runs this script when a file is missing). Deterministic (fixed seeds). For each model:
  <name>.onnx       as skl2onnx converts a RandomForestRegressor / GradientBoostingRegressor
                    (the emulation in test/fixtures/onnx/make_tree_fixtures.py: BRANCH_LEQ with
                    float32 thresholds rounded down, TreeEnsembleRegressor, opset 15)
  <name>.trees.json the same trees as arrays (feature, float32 threshold, left, right, leaf
                    value times the tree weight, base), from which the bench generates the
                    plain-JavaScript contender (nested ifs, as m2cgen emits)
  <name>.rows.f32   1000 held-out float32 rows of 32 features, row-major, little-endian
  <name>.json       scikit-learn's predict on those rows, and how the model was made

Data: 32 standard-normal features; y a nonlinear function of 8 of them plus noise.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "fixtures", "onnx"))
import make_tree_fixtures as mt  # noqa: E402  (the fixtures' skl2onnx emulation)

from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor  # noqa: E402

OUT = os.path.join(HERE, "trees")
N_FEATURES, N_ROWS = 32, 1000

# name: (estimator, training rows)
MODELS = {
    "rf_10_d6": (lambda: RandomForestRegressor(10, max_depth=6, max_features=0.3, random_state=0), 4000),
    "rf_100_d8": (lambda: RandomForestRegressor(100, max_depth=8, max_features=0.3, random_state=0), 4000),
    "rf_500_d12": (lambda: RandomForestRegressor(500, max_depth=12, max_features=0.3, max_samples=0.5,
                                                 random_state=0), 4000),
    "gb_100_d3": (lambda: GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=0), 4000),
    "gb_500_d6": (lambda: GradientBoostingRegressor(n_estimators=500, max_depth=6, subsample=0.5,
                                                    random_state=0), 4000),
    # Only for pack and load times: about 3 million nodes.
    "rf_big": (lambda: RandomForestRegressor(700, max_depth=16, max_features=0.2, max_samples=0.5,
                                             min_samples_leaf=1, random_state=0), 16000),
}


def data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, N_FEATURES)).astype(np.float32)
    y = (np.sin(X[:, 0]) * 2 + X[:, 1] * X[:, 2] + np.abs(X[:, 3]) - X[:, 4] ** 2 / 2
         + np.where(X[:, 5] > 0.3, 1.0, -1.0) + X[:, 6] * (X[:, 7] > 0) + 0.1 * rng.standard_normal(n))
    return X, y


def tree_arrays(model):
    """Every tree as arrays, leaf values already weighted as the ONNX file has them."""
    if isinstance(model, RandomForestRegressor):
        ests, w, base = model.estimators_, 1.0 / model.n_estimators, 0.0
    else:
        ests, w = model.estimators_[:, 0], model.learning_rate
        base = float(model._raw_predict_init(np.zeros((1, N_FEATURES))).ravel()[0])
    trees = []
    for est in ests:
        t = est.tree_
        split = t.children_left >= 0
        trees.append({
            "feature": [int(f) if s else -1 for f, s in zip(t.feature, split)],
            "threshold": [float(mt.sklearn_threshold(v)) if s else 0.0 for v, s in zip(t.threshold, split)],
            "left": [int(v) for v in t.children_left],
            "right": [int(v) for v in t.children_right],
            "value": [float(v) * w for v in t.value[:, 0, 0]],
        })
    return {"base": base, "trees": trees}


def main():
    os.makedirs(OUT, exist_ok=True)
    names = sys.argv[1:] or list(MODELS)
    Xte, _ = data(N_ROWS, 1)
    for name in names:
        make, n_train = MODELS[name]
        X, y = data(n_train, 0)
        model = make().fit(X, y)
        onx = mt.convert(model, N_FEATURES, True, name)
        with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
            f.write(onx.SerializeToString())
        with open(os.path.join(OUT, name + ".trees.json"), "w") as f:
            json.dump(tree_arrays(model), f)
        Xte.astype("<f4").tofile(os.path.join(OUT, name + ".rows.f32"))
        nodes = sum(e.tree_.node_count for e in np.ravel(model.estimators_))
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump({"name": name, "model": repr(model), "nodes": int(nodes),
                       "n_features": N_FEATURES, "predict": [float(v) for v in model.predict(Xte)]}, f)
        print(name, "trees", len(np.ravel(model.estimators_)), "nodes", nodes)


if __name__ == "__main__":
    main()
