#!/usr/bin/env python3
r"""Agreement statistics computed independently of src/quality/agreement.c.

    agreement_ref.py [FIRST_SEED [LAST_SEED]]       (default 1 40)

For each seed, makes a random reliability data set (units x coders,
nominal categories, missing values), computes every statistic with the
textbook formulas in exact rational arithmetic (fractions.Fraction), from
the whole data set at once (nothing incremental, no shortcut through the
counts src/quality/agreement.c keeps), and prints both for
tests/unit/test_agreement.c to check the C module against:

    set SEED
    unit P_U CODER:CATEGORY ...          one per unit, ratings in random order
    percent STATUS UNITS VALUE
    alpha STATUS UNITS VALUE
    fleiss ASKED RATERS STATUS UNITS SKIPPED VALUE
    pair I J SHARED PSTATUS PERCENT KSTATUS KAPPA   every pair i < j
    end
    done SETS

VALUE is repr() of the nearest double ("nan" when undefined), STATUS one of
ok, no_data (nothing to compare), no_variation (chance agreement 1: the
chance-corrected statistic is 0/0). Python 3 standard library only.
"""
import random
import sys
from fractions import Fraction

OK, NO_DATA, NO_VARIATION = "ok", "no_data", "no_variation"


def fmt(x):
    return "nan" if x is None else repr(float(x))


def make_data(seed):
    """units: list of {coder: category}. Most units get a true category
    that each coder reports with some probability, so the statistics land
    anywhere between chance and perfect agreement."""
    rng = random.Random(seed)
    coders = rng.randint(2, 7)
    categories = 1 if seed % 13 == 0 else rng.randint(2, 6)
    nunits = 0 if seed % 17 == 0 else rng.randint(1, 150)
    missing = rng.choice([0.0, 0.1, 0.3, 0.6])
    accuracy = rng.random()
    units = []
    for _ in range(nunits):
        truth = rng.randrange(categories)
        unit = {}
        for c in range(coders):
            if rng.random() < missing:
                continue
            unit[c] = truth if rng.random() < accuracy else rng.randrange(categories)
        units.append(unit)
    return rng, coders, units


def unit_percent(values):
    """Share of the unit's ordered pairs of distinct ratings that agree."""
    m = len(values)
    if m < 2:
        return None
    agree = sum(1 for x in range(m) for y in range(m) if x != y and values[x] == values[y])
    return Fraction(agree, m * (m - 1))


def percent(units):
    ps = [unit_percent(list(u.values())) for u in units if len(u) >= 2]
    if not ps:
        return NO_DATA, 0, None
    return OK, len(ps), sum(ps) / len(ps)


def alpha(units):
    """Krippendorff (2011): coincidence matrix over pairable units, then
    alpha = 1 - D_o / D_e with the nominal distance."""
    o = {}
    pairable = [list(u.values()) for u in units if len(u) >= 2]
    for values in pairable:
        m = len(values)
        for x in range(m):
            for y in range(m):
                if x != y:
                    key = (values[x], values[y])
                    o[key] = o.get(key, Fraction(0)) + Fraction(1, m - 1)
    if not pairable:
        return NO_DATA, 0, None
    cats = sorted({c for key in o for c in key})
    n_c = {c: sum(o.get((c, k), Fraction(0)) for k in cats) for c in cats}
    n = sum(n_c.values())
    d_o = sum(o.get((c, k), Fraction(0)) for c in cats for k in cats if c != k) / n
    d_e = sum(n_c[c] * n_c[k] for c in cats for k in cats if c != k) / (n * (n - 1))
    if d_e == 0:
        return NO_VARIATION, len(pairable), None
    return OK, len(pairable), 1 - d_o / d_e


def fleiss(units, asked):
    """Fleiss (1971) over the units with exactly `raters` ratings; asked 0
    means the most common number of ratings (ties: the larger)."""
    rated = [u for u in units if len(u) >= 1]
    raters = asked
    if asked == 0:
        counts = {}
        for u in rated:
            if len(u) >= 2:
                counts[len(u)] = counts.get(len(u), 0) + 1
        raters = max(counts, key=lambda m: (counts[m], m)) if counts else 0
    table = [u for u in rated if len(u) == raters and raters >= 2]
    skipped = len(rated) - len(table)
    if not table:
        return raters, NO_DATA, 0, skipped, None
    big_n, n = len(table), raters
    cats = sorted({c for u in table for c in u.values()})
    rows = [[list(u.values()).count(c) for c in cats] for u in table]
    p_i = [Fraction(sum(x * x for x in row) - n, n * (n - 1)) for row in rows]
    p_bar = sum(p_i) / big_n
    p_j = [Fraction(sum(row[j] for row in rows), big_n * n) for j in range(len(cats))]
    p_e = sum(p * p for p in p_j)
    if p_e == 1:
        return raters, NO_VARIATION, big_n, skipped, None
    return raters, OK, big_n, skipped, (p_bar - p_e) / (1 - p_e)


def cohen(units, i, j):
    """Confusion matrix of coders i and j over the units both rated."""
    shared = [(u[i], u[j]) for u in units if i in u and j in u]
    if not shared:
        return 0, NO_DATA, None, NO_DATA, None
    total = len(shared)
    matrix = {}
    for a, b in shared:
        matrix[(a, b)] = matrix.get((a, b), 0) + 1
    cats = sorted({c for pair in shared for c in pair})
    p_o = Fraction(sum(matrix.get((c, c), 0) for c in cats), total)
    row = {c: sum(matrix.get((c, k), 0) for k in cats) for c in cats}
    col = {c: sum(matrix.get((k, c), 0) for k in cats) for c in cats}
    p_e = sum(Fraction(row[c], total) * Fraction(col[c], total) for c in cats)
    if p_e == 1:
        return total, OK, p_o, NO_VARIATION, None
    return total, OK, p_o, OK, (p_o - p_e) / (1 - p_e)


def main():
    first = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    last = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    out = []
    for seed in range(first, last + 1):
        rng, coders, units = make_data(seed)
        out.append("set %d" % seed)
        for u in units:
            ratings = list(u.items())
            rng.shuffle(ratings)
            out.append(" ".join(["unit", fmt(unit_percent([c for _, c in ratings]))] +
                                ["%d:%d" % r for r in ratings]))
        for name, (st, k, v) in (("percent", percent(units)), ("alpha", alpha(units))):
            out.append("%s %s %d %s" % (name, st, k, fmt(v)))
        for asked in [0] + list(range(2, coders + 1)):
            raters, st, k, skipped, v = fleiss(units, asked)
            out.append("fleiss %d %d %s %d %d %s" % (asked, raters, st, k, skipped, fmt(v)))
        for i in range(coders):
            for j in range(i + 1, coders):
                total, pst, p, kst, k = cohen(units, i, j)
                out.append("pair %d %d %d %s %s %s %s" % (i, j, total, pst, fmt(p), kst, fmt(k)))
        out.append("end")
    out.append("done %d" % (last - first + 1))
    print("\n".join(out))


if __name__ == "__main__":
    main()
