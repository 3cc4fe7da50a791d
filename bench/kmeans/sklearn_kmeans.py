"""Peer measurement for bench_kmeans: scikit-learn KMeans (n_init=1) on raw float32 values.

Usage: sklearn_kmeans.py VALUES.f32 K CENTROIDS_OUT.f64
Prints "fit_s=<wall seconds> cpu_s=<process CPU seconds> inertia=<sklearn inertia> n_iter=<iterations>" and writes the fitted
centroids (float64) so the caller can recompute their WCSS in double precision.
"""
import sys
import time

import numpy as np
from sklearn.cluster import KMeans


def main() -> None:
    values_path, k, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    x = np.fromfile(values_path, dtype=np.float32).reshape(-1, 1)
    km = KMeans(n_clusters=k, n_init=1, random_state=0)
    t0, c0 = time.perf_counter(), time.process_time()
    km.fit(x)
    fit_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    np.asarray(km.cluster_centers_, dtype=np.float64).ravel().tofile(out_path)
    print(f"fit_s={fit_s:.6f} cpu_s={cpu_s:.6f} inertia={float(km.inertia_):.9g} n_iter={km.n_iter_}")


if __name__ == "__main__":
    main()
