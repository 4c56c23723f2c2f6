#!/usr/bin/env python3
"""The peers of flow-bench's network benchmark: PyTorch and scikit-learn on the same data.

Reads DIR/features.npz, DIR/labels.npz (targets, weights) and DIR/isotonic.npz (x, y, w), and prints one JSON
object of measured rates and times. A peer that is not installed is reported as null.
"""
import json
import sys
import time

import numpy as np

directory, threads = sys.argv[1], int(sys.argv[2])
result = {}
labels = np.load(directory + "/labels.npz")
y = labels["targets"].astype(np.float32)
w = labels["weights"].astype(np.float32)
x = np.ascontiguousarray(np.load(directory + "/features.npz")["features"].reshape(len(y), -1), dtype=np.float32)

try:
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    result["torch_version"] = torch.__version__
    mean, std = x.mean(axis=0), x.std(axis=0)
    xt = torch.from_numpy((x - mean) / std)
    yt, wt = torch.from_numpy(y), torch.from_numpy(w)

    def network():
        layers, width = [], x.shape[1]
        for _ in range(5):
            layers += [torch.nn.Linear(width, 100), torch.nn.ReLU()]
            width = 100
        return torch.nn.Sequential(*layers, torch.nn.Linear(width, 1))

    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    for batch in (512, 4096):
        model = network()
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
        order = torch.randperm(len(yt))
        start = time.perf_counter()
        for first in range(0, len(yt), batch):
            index = order[first:first + batch]
            optimiser.zero_grad()
            logits = model(xt[index]).squeeze(1)
            loss = (loss_fn(logits, yt[index]) * wt[index]).sum() / wt[index].sum()
            loss.backward()
            optimiser.step()
        result[f"train{batch}"] = len(yt) / (time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        start = time.perf_counter()
        for first in range(0, len(yt), 65536):
            torch.sigmoid(model(xt[first:first + 65536]))
        result["inference"] = len(yt) / (time.perf_counter() - start)
except ImportError:
    result["torch_version"] = None

try:
    from sklearn.isotonic import IsotonicRegression
    iso = np.load(directory + "/isotonic.npz")
    for n in (1_000_000, 10_000_000):
        start = time.perf_counter()
        IsotonicRegression(out_of_bounds="clip").fit(iso["x"][:n], iso["y"][:n], sample_weight=iso["w"][:n])
        result[f"isotonic{n}"] = time.perf_counter() - start
except ImportError:
    pass
print(json.dumps(result))
