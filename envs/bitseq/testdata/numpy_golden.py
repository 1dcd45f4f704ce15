"""Writes numpy_golden.json, the reference draws that bitseq's tests compare
against. It needs numpy (any version: the legacy np.random stream is frozen);
the tests only read the JSON it writes. Run from this directory:

    python3 numpy_golden.py > numpy_golden.json

The mode set and test set are built with the same numpy calls as
construct_M and construct_test_set in the official bitseq code
(gflownet-tlm bitseq/utils.py, gflownet-rl bitseq/run.py).
"""
import hashlib
import json

import numpy as np

H = ["00000000", "11111111", "11110000", "00001111", "00111100"]


def modes(n, size, seed):
    np.random.seed(seed)
    return ["".join([np.random.choice(H) for _ in range(n // 8)]) for _ in range(size)]


def test_set(M, seed):
    np.random.seed(seed)
    out = []
    for s in M:
        out.append(s)
        for cnt in range(1, len(s)):
            new = list(s)
            for i in np.random.choice(list(range(len(s))), size=cnt, replace=False):
                new[i] = "0" if s[i] == "1" else "1"
            out.append("".join(new))
    return out


def distances(xs, M):
    """min over modes of the Hamming distance, for every x in xs."""
    a = np.array([[c == "1" for c in x] for x in xs])
    m = np.array([[c == "1" for c in x] for x in M])
    return [int(v) for v in (a[:, None, :] != m[None, :, :]).sum(-1).min(-1)]


def sha(lines):
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def main():
    g = {}
    np.random.seed(42)
    g["key42"] = [int(v) for v in np.random.get_state()[1][:4]]
    raw = {}
    for seed in (0, 42):
        np.random.seed(seed)
        v = np.random.randint(0, 2**32, size=1300, dtype=np.uint64)
        raw[str(seed)] = {str(i): int(v[i]) for i in (0, 1, 2, 623, 624, 625, 1247, 1248, 1299)}
    g["raw"] = raw
    np.random.seed(3)
    g["choice5_seed3"] = [H.index(np.random.choice(H)) for _ in range(40)]
    np.random.seed(5)
    g["perm10_seed5"] = [int(v) for v in np.random.permutation(10)]
    g["subset120_7_seed5"] = [int(v) for v in np.random.choice(list(range(120)), size=7, replace=False)]

    g["modes120_seed42"] = modes(120, 60, 42)
    cases = []
    for n, seed in ((120, 42), (120, 0), (120, 1), (8, 42), (16, 42), (16, 7)):
        M = modes(n, 60, seed)
        T = test_set(M, seed)
        cases.append({
            "n": n,
            "seed": seed,
            "modes_sha256": sha(M),
            "test_size": len(T),
            "test_sha256": sha(T),
            "test_dist_sha256": sha([str(d) for d in distances(T, M)]),
            "test_samples": {str(i): T[i] for i in (0, 1, 2, len(T) // 2, len(T) - 1)},
        })
    g["cases"] = cases
    print(json.dumps(g, indent=1))


main()
