#!/usr/bin/env python3
"""Simulate the blog's data exactly, fit scikit-learn's LogisticRegression and write
what the edgeinfer demo compares against.

Run with Debian's interpreter (the one that has python3-sklearn):
    /usr/bin/python3 examples/logistic-regression/train.py

Writes, next to this script:
    data.csv      x1,x2,y for the 1000 simulated rows
    model.json    the fitted coefficients as an edgeinfer JSON model
    proba.csv     scikit-learn's predict_proba for every row (p0,p1), 17 significant digits
"""
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

here = os.path.dirname(os.path.abspath(__file__))

# The blog's simulation, in its order of random draws.
np.random.seed(66)
n = 1000
x1 = np.random.uniform(-2, 2, n)
x2 = np.random.uniform(-2, 2, n)
p = 1 / (1 + np.exp(-(0.75 + 1.5 * x1 - 0.5 * x2)))
y = np.random.binomial(1, p)

X = np.column_stack([x1, x2])
clf = LogisticRegression().fit(X, y)
proba = clf.predict_proba(X)

with open(os.path.join(here, "data.csv"), "w") as f:
    f.write("x1,x2,y\n")
    for a, b, c in zip(x1, x2, y):
        f.write(f"{a!r},{b!r},{int(c)}\n")

with open(os.path.join(here, "proba.csv"), "w") as f:
    f.write("p0,p1\n")
    for p0, p1 in proba:
        f.write(f"{p0!r},{p1!r}\n")

model = {
    "kind": "logistic_regression",
    "coefficients": clf.coef_.tolist(),
    "intercept": clf.intercept_.tolist(),
    "classes": clf.classes_.tolist(),
    "featureNames": ["x1", "x2"],
    "producer": f"scikit-learn {sklearn.__version__}",
}
with open(os.path.join(here, "model.json"), "w") as f:
    json.dump(model, f, indent=2)
    f.write("\n")

print("coef", clf.coef_.tolist(), "intercept", clf.intercept_.tolist())
