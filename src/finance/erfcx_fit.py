"""Regenerates the erfcx polynomial of european_kernels-inl.h (run by hand, not in builds).

erfcx(z) = e^{z^2} erfc(z) = t Q(t), t = 2/(2+z), Q fitted on t in [2/29, 1] (z in [0, 27]) in
u = (t - mid)/half by relative-error least squares on Chebyshev nodes at 50 digits (the method
of src/kernels/math_erf_fit.py, which fits the same Q on the narrower [2/30, 0.8] for erfc).
One polynomial for every z >= 0 keeps the pricing kernel free of a second branch.
Usage: python src/finance/erfcx_fit.py [degree]
"""
import sys

import mpmath as mp
import numpy as np

mp.mp.dps = 50


def scaled_erfc(t):
    z = 2 / t - 2
    return mp.erfc(z) * mp.exp(z * z) / t


def fit(f, a, b, degree):
    nodes = 6 * degree
    mid, half = (mp.mpf(a) + b) / 2, (mp.mpf(b) - a) / 2
    us = [mp.cos(mp.pi * (k + mp.mpf(0.5)) / nodes) for k in range(nodes)]
    design, rhs = mp.matrix(nodes, degree + 1), mp.matrix(nodes, 1)
    for i, u in enumerate(us):
        value = f(mid + half * u)
        for j in range(degree + 1):
            design[i, j] = u**j / value
        rhs[i] = 1
    coefs = mp.qr_solve(design, rhs)[0]
    return [float(coefs[j]) for j in range(degree + 1)], float(mid), float(half)


def worst(coefs, mid, half, a, b, points=3000):
    w = 0.0
    for t in np.linspace(a, b, points):
        u = (t - mid) / half
        acc = 0.0
        for c in reversed(coefs):
            acc = acc * u + c
        ref = scaled_erfc(mp.mpf(t))
        w = max(w, float(abs((acc - ref) / ref)))
    return w


if __name__ == "__main__":
    degree = int(sys.argv[1]) if len(sys.argv) > 1 else 24
    a, b = 2.0 / 29.0, 1.0
    coefs, mid, half = fit(scaled_erfc, a, b, degree)
    print(f"// degree {degree} on t in [2/29, 1], worst relative error {worst(coefs, mid, half, a, b):.2e}")
    print(f"constexpr double kErfcxMid = {mid!r};")
    print(f"constexpr double kErfcxHalf = {half!r};")
    print(f"constexpr double kErfcx[{degree + 1}] = {{")
    for c in coefs:
        print(f"    {c!r},")
    print("};")
