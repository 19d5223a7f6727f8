"""Writes numpy.npz, the golden file npz_test.go reads: arrays saved by NumPy itself.

Run from this directory: python3 gen_numpy.py (any NumPy >= 1.17; the .npy 1.0 format has not
changed since). Also checks that a container written by the Go writer loads in NumPy when
go_written.npz exists (npz_test.go -update writes it).
"""
import json
import os
import zipfile

import numpy as np

np.savez(
    "numpy.npz",
    f8=np.array([[1.5, -2.0, np.pi], [0.0, 1e-300, -np.inf]], dtype="<f8"),
    i4=np.array([3, -1, 2147483647], dtype="<i4"),
    f4=np.array([0.1, 2.5], dtype="<f4"),
    i8=np.array([-(2**62), 7], dtype="<i8"),
    empty=np.zeros((0, 3), dtype="<f8"),
    ids=np.array(["store-1".encode(), b"", "é12".encode()], dtype="S"),
)

if os.path.exists("go_written.npz"):
    z = np.load("go_written.npz")
    assert z["f8"].shape == (2, 3) and z["f8"][1, 2] == -np.inf
    assert list(z["i4"]) == [3, -1, 2147483647]
    assert [s.decode() for s in z["ids"]] == ["store-1", "", "é12"]
    meta = json.loads(zipfile.ZipFile("go_written.npz").read("meta.json"))
    assert meta["name"] == "x"
    print("go_written.npz loads in NumPy", np.__version__)
