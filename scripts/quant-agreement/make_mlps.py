#!/usr/bin/env python3
"""MLPs not used for tuning (docs/quantization.md, "Accuracy"): scikit-learn MLPClassifier and torch MLPs on scikit-learn datasets,
written as edgeinfer JSON models with held-out rows and the framework's probabilities."""
import json, os, sys, warnings
import numpy as np
import torch
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine, make_classification
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
warnings.filterwarnings("ignore")
torch.manual_seed(0); torch.set_num_threads(1)
out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/edgeinfer-quant-mlps"
os.makedirs(out, exist_ok=True)

def split(X, y, frac=0.3, seed=1):
    idx = np.random.RandomState(seed).permutation(len(X)); n = int(len(X) * frac)
    return X[idx[n:]], y[idx[n:]], X[idx[:n]].astype(np.float32).astype(np.float64), y[idx[:n]]

def write(name, model, rows, proba):
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump({"model": model, "rows": np.asarray(rows).tolist(), "proba": np.asarray(proba).tolist()}, f)

def sk(name, X, y, hidden, scale, act="relu", seed=0):
    Xtr, ytr, Xte, yte = split(X, y)
    sc = StandardScaler().fit(Xtr) if scale else None
    f = (lambda A: sc.transform(A)) if sc else (lambda A: A)
    net = MLPClassifier(hidden_layer_sizes=hidden, activation=act, max_iter=600, random_state=seed).fit(f(Xtr), ytr)
    acts = [act] * (len(net.coefs_) - 1) + [net.out_activation_]
    layers = [{"weights": W.tolist(), "bias": b.tolist(), "activation": a} for W, b, a in zip(net.coefs_, net.intercepts_, acts)]
    m = {"kind": "mlp", "producer": "scikit-learn", "weightsLayout": "in_out", "layers": layers, "classes": net.classes_.tolist()}
    if sc is not None: m["scaler"] = {"mean": sc.mean_.tolist(), "scale": sc.scale_.tolist()}
    write(name, m, Xte, net.predict_proba(f(Xte)))
    print(name, "acc", net.score(f(Xte), yte), [W.shape for W in net.coefs_])

def th(name, X, y, hidden, epochs=200, scale=True):
    Xtr, ytr, Xte, yte = split(X, y)
    sc = StandardScaler().fit(Xtr) if scale else None
    f = (lambda A: sc.transform(A)) if sc else (lambda A: A)
    nC = int(y.max()) + 1
    sizes = [X.shape[1], *hidden, nC]
    mods = []
    for a, b in zip(sizes[:-1], sizes[1:]): mods += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    net = torch.nn.Sequential(*mods[:-1])
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    Xt, yt = torch.tensor(f(Xtr), dtype=torch.float32), torch.tensor(ytr, dtype=torch.long)
    for _ in range(epochs):
        opt.zero_grad(); loss = torch.nn.functional.cross_entropy(net(Xt), yt); loss.backward(); opt.step()
    lin = [m for m in net if isinstance(m, torch.nn.Linear)]
    layers = [{"weights": l.weight.detach().double().numpy().tolist(), "bias": l.bias.detach().double().numpy().tolist(),
               "activation": "relu" if k < len(lin) - 1 else "softmax"} for k, l in enumerate(lin)]
    m = {"kind": "mlp", "producer": "torch", "layers": layers, "classes": list(range(nC))}
    if sc is not None: m["scaler"] = {"mean": sc.mean_.tolist(), "scale": sc.scale_.tolist()}
    with torch.no_grad(): p = torch.softmax(net(torch.tensor(f(Xte), dtype=torch.float32)).double(), 1).numpy()
    write(name, m, Xte, p)
    print(name, "acc", (p.argmax(1) == yte).mean(), sizes)

X, y = load_iris(return_X_y=True); sk("sk_iris_4-16-3", X, y, (16,), True); th("th_iris_4-32-16-3", X, y, (32, 16))
X, y = load_wine(return_X_y=True); sk("sk_wine_13-32-16-3", X, y, (32, 16), True); th("th_wine_13-64-3", X, y, (64,))
X, y = load_breast_cancer(return_X_y=True); sk("sk_cancer_30-64-32-2", X, y, (64, 32), True); th("th_cancer_30-32-16-2", X, y, (32, 16))
X, y = load_digits(return_X_y=True); sk("sk_digits_64-64-10", X, y, (64,), False); sk("sk_digits_64-256-128-10", X, y, (256, 128), False)
th("th_digits_64-128-64-10", X, y, (128, 64), scale=False); th("th_digits_64-32-16-10", X, y, (32, 16), scale=False)
X, y = make_classification(n_samples=4000, n_features=20, n_informative=12, n_classes=5, random_state=3); sk("sk_synth_20-64-32-5", X, y, (64, 32), True)
X, y = make_classification(n_samples=6000, n_features=200, n_informative=40, n_classes=20, n_clusters_per_class=1, random_state=4); sk("sk_synth_200-512-256-20", X, y, (512, 256), True)
X, y = make_classification(n_samples=4000, n_features=784, n_informative=60, n_classes=10, n_clusters_per_class=1, random_state=5); th("th_synth_784-256-128-10", X, y, (256, 128), epochs=100)
