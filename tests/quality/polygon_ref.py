#!/usr/bin/env python3
"""Reference polygon IoU for tests/unit/test_score.c (standard library only).

Prints {"cases": [{"a": [[x, y], ...], "b": [...], "iou": float}, ...]} for
pairs of random simple polygons drawn with a fixed seed, so the C test can
compare lf_score_polygon_iou with it.

The reference uses a different algorithm from src/quality/polygon.c (which
integrates along the boundaries): each polygon is triangulated by ear
clipping, every pair of triangles is intersected by Sutherland-Hodgman
clipping, and the areas are summed. All of it runs in exact rational
arithmetic (fractions.Fraction of the very doubles printed), so the reference
has no rounding at all and degenerate contacts (shared edges and vertices,
collinear points) need no tolerance.

Three families of pairs:
  - star-shaped polygons with random real coordinates (non-convex, general
    position);
  - star-shaped polygons on a coarse integer lattice, which share edges,
    vertices and collinear stretches with each other all the time;
  - a polygon with itself (IoU 1, every edge shared).
"""
import json
import math
import random
import sys
from fractions import Fraction

SEED = 18


def cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def area2(poly):
    return sum(poly[i][0] * poly[(i + 1) % len(poly)][1]
               - poly[(i + 1) % len(poly)][0] * poly[i][1] for i in range(len(poly)))


def ccw(poly):
    return poly if area2(poly) > 0 else poly[::-1]


def in_closed_triangle(p, a, b, c):
    return cross(a, b, p) >= 0 and cross(b, c, p) >= 0 and cross(c, a, p) >= 0


def triangulate(poly):
    """Ear clipping of a simple counter-clockwise polygon."""
    pts = list(poly)
    tris = []
    while True:
        # A vertex on the line through its neighbours (a straight angle in a
        # simple polygon) adds no area: drop it.
        changed = True
        while changed and len(pts) > 3:
            changed = False
            for k in range(len(pts)):
                if cross(pts[k - 1], pts[k], pts[(k + 1) % len(pts)]) == 0:
                    del pts[k]
                    changed = True
                    break
        if len(pts) == 3:
            if cross(*pts) > 0:
                tris.append(tuple(pts))
            return tris
        for k in range(len(pts)):
            a, b, c = pts[k - 1], pts[k], pts[(k + 1) % len(pts)]
            if cross(a, b, c) <= 0:
                continue
            if any(in_closed_triangle(p, a, b, c) for p in pts if p not in (a, b, c)):
                continue
            tris.append((a, b, c))
            del pts[k]
            break
        else:
            raise ValueError("no ear: polygon is not simple")


def clip(subject, clipper):
    """Sutherland-Hodgman: convex subject clipped by convex counter-clockwise clipper."""
    out = list(subject)
    for i in range(len(clipper)):
        e0, e1 = clipper[i], clipper[(i + 1) % len(clipper)]
        inp, out = out, []
        if not inp:
            break
        for j in range(len(inp)):
            p, q = inp[j - 1], inp[j]
            cp, cq = cross(e0, e1, p), cross(e0, e1, q)
            if cq >= 0:
                if cp < 0:
                    t = cp / (cp - cq)
                    out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
                out.append(q)
            elif cp >= 0:
                t = cp / (cp - cq)
                out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def iou(a, b):
    fa = ccw([(Fraction(x), Fraction(y)) for x, y in a])
    fb = ccw([(Fraction(x), Fraction(y)) for x, y in b])
    ta, tb = triangulate(fa), triangulate(fb)
    inter = Fraction(0)
    for s in ta:
        for c in tb:
            piece = clip(s, c)
            if len(piece) >= 3:
                inter += area2(piece) / 2
    union = area2(fa) / 2 + area2(fb) / 2 - inter
    return float(inter / union) if union > 0 else 0.0


def star(rng, cx, cy, n, rmin, rmax):
    """Random radii at sorted random angles around (cx, cy). Star-shaped
    around the centre, hence simple, only while every gap between
    consecutive angles is under half a circle (with some room for the
    rounding of the coordinates): other draws are thrown away."""
    while True:
        angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
        gaps = [b - a for a, b in zip(angles, angles[1:] + [angles[0] + 2 * math.pi])]
        if max(gaps) < math.pi - 0.05:
            break
    return [[round(cx + r * math.cos(t), 3), round(cy + r * math.sin(t), 3)]
            for t, r in ((t, rng.uniform(rmin, rmax)) for t in angles)]


def lattice_star(rng, grid):
    """Lattice points sorted by angle around a half-integer centre; kept only
    when every turn between consecutive points is strictly less than half a
    circle, which makes the polygon star-shaped around the centre, hence
    simple."""
    while True:
        c2 = (2 * rng.randint(1, grid - 2) + 1, 2 * rng.randint(1, grid - 2) + 1)
        pts = {(rng.randint(0, grid), rng.randint(0, grid)) for _ in range(rng.randint(3, 9))}
        rel = [(2 * x - c2[0], 2 * y - c2[1], x, y) for x, y in pts]
        rel.sort(key=lambda p: math.atan2(p[1], p[0]))
        ok = len(rel) >= 3
        for i in range(len(rel)):
            p, q = rel[i - 1], rel[i]
            if p[0] * q[1] - p[1] * q[0] <= 0:
                ok = False
        if ok:
            return [[10.0 * p[2], 10.0 * p[3]] for p in rel]


def main():
    rng = random.Random(SEED)
    cases = []
    for _ in range(150):
        a = star(rng, rng.uniform(30, 70), rng.uniform(30, 70), rng.randint(3, 14), 3, 25)
        b = star(rng, rng.uniform(30, 70), rng.uniform(30, 70), rng.randint(3, 14), 3, 25)
        cases.append({"a": a, "b": b})
    for _ in range(150):
        cases.append({"a": lattice_star(rng, 8), "b": lattice_star(rng, 8)})
    for _ in range(10):
        a = lattice_star(rng, 8)
        cases.append({"a": a, "b": list(a)})
    for c in cases:
        c["iou"] = iou(c["a"], c["b"])
    json.dump({"seed": SEED, "cases": cases}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
