#!/usr/bin/env python3
"""Writes bench/pg/claim-submit.sql from a logged claim + submit pair.

Run by `bench/pgbench-claim.sh generate` (see there), not by hand:

    generate.py LOG TRACE SNAPSHOT_URL PROJECT UID SID BUILD > claim-submit.sql

LOG holds the PostgreSQL log (log_statement = all) of exactly one claim and
one submit of annotator UID (session SID) on PROJECT, split by the marker statement
`SELECT 'pgbench-claim: submit'`. TRACE is libpq's protocol trace of the
server's connections over the same pair (LABELFLOW_DB_TRACE): it says which
statements went in one round trip, which pgbench then sends as one pipeline
(\\startpipeline ... \\endpipeline) where it can. SNAPSHOT_URL is a copy of the database
taken just before that pair: each logged statement is run there again with
its logged parameters, which gives the very rows the server got back, so
that every parameter the server took from an earlier statement's answer
(a task id, a work id, an audit tail) becomes a pgbench variable set by
\\gset on that statement. Other parameters: the annotator and its session
become :uid, the project :project, times :now (and :lease_expires for
now + the 600 s lease), anything else stays the literal the server sent.
Statements on the audit trail run under \\if :audit.
"""
import hashlib
import re
import subprocess
import sys

MARK = "SELECT 'pgbench-claim: submit'"
SHARDS = 16  # LF_LEDGER_SHARDS (src/ledger/ledger.h): a task's shard is its id mod this
LEASE_MS = 600000
PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def parse_log(path):
    """The logged statements in order: (sql, [param or None])."""
    out = []
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.search(r" LOG:  (statement|execute [^:]*): (.*)$", line)
        if m:
            out.append([m.group(2), []])
            continue
        m = re.search(r" DETAIL:  parameters: (.*)$", line)
        if m and out:
            params = {}
            for num, val in PARAM.findall(m.group(1)):
                params[int(num)] = None if val == "NULL" else val[1:-1].replace("''", "'")
            out[-1][1] = [params[i] for i in sorted(params)]
    return out


def parse_trace(path):
    """The statements of each round trip the trace shows, in order: the
    executes (and simple queries) a client sent up to a Sync, counted once
    the server's ReadyForQuery answered them. A round trip that executed
    nothing (a PREPARE) or that the server ended with a FATAL error (its
    connection dropped: the client sends it again on a new one) ran no
    logged statement."""
    sizes, n = [], 0
    for line in open(path, encoding="utf-8", errors="replace"):
        f = line.rstrip("\n").split("\t")
        if len(f) < 3:
            continue
        who, msg = f[0], f[2].split(" ")[0]
        if who == "F" and msg in ("Execute", "Query"):
            n += 1
        elif who == "B" and msg == "ReadyForQuery":
            if n:
                sizes.append(n)
            n = 0
        elif (who == "F" and msg == "Terminate") or (msg == "ErrorResponse" and 'S "FATAL"' in line):
            n = 0
    return sizes


def literal(v):
    """v as an SQL literal; pgbench reads ":name" as a variable, so colons
    in strings are written \\x3a."""
    if v is None:
        return "NULL"
    if re.fullmatch(r"-?\d+", v):
        return v
    if ":" in v or "\\" in v:
        return "E'" + v.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\x3a") + "'"
    return "'" + v.replace("'", "''") + "'"


def replay(url, stmts):
    """Runs the statements on the snapshot, one psql session; returns per
    statement the column names and first row of its answer (or None)."""
    script = ["\\set ON_ERROR_STOP 1"]
    for i, (sql, params) in enumerate(stmts):
        script.append(f"\\echo @@@ {i}")
        if not params:
            script.append(sql + ";")
            continue
        types = ["unknown" if p is None else "bigint" if re.fullmatch(r"-?\d+", p) else "text"
                 for p in params]
        args = ", ".join("NULL" if p is None else "'" + p.replace("'", "''") + "'" for p in params)
        script.append(f"PREPARE q{i}({', '.join(types)}) AS {sql};")
        script.append(f"EXECUTE q{i}({args});")
        script.append(f"DEALLOCATE q{i};")
    r = subprocess.run(["psql", "-X", "-q", "-A", "-F", "\x1f", "-P", "footer=off", "-d", url],
                       input="\n".join(script) + "\n", capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("generate.py: replaying the logged statements failed:\n" + r.stderr)
    answers, cur = [None] * len(stmts), None
    for line in r.stdout.split("\n"):
        m = re.fullmatch(r"@@@ (\d+)", line)
        if m:
            cur = int(m.group(1))
            continue
        if cur is None or line == "":
            continue
        if answers[cur] is None:
            answers[cur] = {"cols": line.split("\x1f"), "row": None}
        elif answers[cur]["row"] is None:
            answers[cur]["row"] = line.split("\x1f")
    return answers


def accounts(url, project):
    """The project's ledger accounts in the snapshot: id -> (kind, user,
    currency, shard). The server keeps their ids cached, so its statements
    carry them as literals that no earlier answer in the pair produced."""
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", "-d", url, "-c",
                        "SELECT id, kind, user_id, currency, shard FROM ledger_accounts"
                        f" WHERE project_id = {int(project)}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("generate.py: reading the ledger accounts failed:\n" + r.stderr)
    out = {}
    for line in r.stdout.split("\n"):
        if line:
            i, kind, user, currency, shard = line.split("\x1f")
            out[i] = (kind, user, currency, shard)
    return out


def shard_params(sql):
    """The numbers of the parameters that carry a ledger shard: `shard = $N`,
    or the shard column of an INSERT's column list."""
    out = {int(n) for n in re.findall(r"\bshard = \$(\d+)", sql)}
    m = re.search(r"INSERT INTO \w+ \(([^)]*)\) VALUES \(([^)]*)\)", sql)
    if m:
        for col, val in zip(m.group(1).split(", "), m.group(2).split(", ")):
            if col == "shard" and re.fullmatch(r"\$\d+", val):
                out.add(int(val[1:]))
    return out


def table_of(sql):
    """The statement's own table (INSERT INTO or the outer FROM)."""
    while True:
        flat = re.sub(r"\([^()]*\)", "", sql)
        if flat == sql:
            break
        sql = flat
    m = re.search(r"\b(?:INTO|FROM)\s+([a-z_]+)", sql)
    return m.group(1) if m else "q"


def keyed(col):
    """Columns whose values later statements may take over: ids, the
    audit chain's tail."""
    return col == "id" or col.endswith("_id") or col.startswith("tail_")


def main():
    log, trace, snap, project, uid, sid, build = sys.argv[1:8]
    stmts = parse_log(log)
    stmts_run = [s for s in stmts if s[0] != MARK]
    sizes = parse_trace(trace)
    if sum(sizes) != len(stmts_run):
        sys.exit(f"generate.py: the trace shows {sum(sizes)} statements (round trips of "
                 f"{sizes}), the log {len(stmts_run)}: they are not of the same pair\n"
                 + "\n".join(sql[:70] for sql, _ in stmts_run))
    # group[i]: (first statement of i's round trip, its size)
    group, at = [], 0
    for size in sizes:
        group += [(at, size)] * size
        at += size
    answers = replay(snap, stmts_run)
    known = {uid: ":uid", sid: ":uid", project: ":project"}
    # Account ids the server had cached: looked up by the script before
    # the round trip of the statement that first uses each (needs[i]).
    accts, looked_up, needs = accounts(snap, project), {}, {}
    # The pair's clock readings: from its first to a few minutes later
    # (a loaded machine), and the lease's end 600 s after them.
    times = [int(p) for s in stmts for p in s[1] if p and re.fullmatch(r"1\d{12}", p)]
    lo = min(times) if times else 0
    hi = lo + 300000
    produced, gsets, names, lines, count = {}, {}, {}, [], {}
    k = 0
    for sql, params in stmts:
        if sql == MARK:
            lines.append(("", "\n-- ---- POST /tasks/{id}/submit ----"))
            continue
        i, k = k, k + 1
        shards = shard_params(sql)

        def task_shard(v):
            """The shard v as the claimed task's (so that each client of
            pgbench takes its own, as the server's claims do), or None."""
            for src, (j, col) in produced.items():
                if names[j] == "tasks_" and col == "id" and str(int(src) % SHARDS) == v:
                    gsets.setdefault(j, names[j])
                    return f"(:tasks_id % {SHARDS})"
            return None

        def var(v, n=0):
            if v in known:
                return known[v]
            by_task = task_shard(v) if n in shards and v is not None and re.fullmatch(r"\d+", v) else None
            if by_task:
                return by_task
            if v in accts and v not in produced:
                kind, user, currency, shard = accts[v]
                name = f"acct_{kind}_{shard}_"
                where = task_shard(shard) or shard
                if name not in looked_up:
                    looked_up[name] = (f"SELECT id FROM ledger_accounts WHERE kind = '{kind}'"
                                       f" AND project_id = :project AND user_id = {user}"
                                       f" AND currency = '{currency}' AND shard = {where}"
                                       f" \\gset {name}")
                    needs.setdefault(group[i][0], []).append(looked_up[name])
                return f":{name}id"
            if v is not None and re.fullmatch(r"1\d{12}", v):
                n = int(v)
                if lo - 60000 <= n <= hi:
                    return ":now"
                if lo + LEASE_MS - 60000 <= n <= hi + LEASE_MS:
                    return ":lease_expires"
            for d, suffix in ((0, ""), (1, " + 1")):
                src = v if d == 0 else (str(int(v) - 1) if v and re.fullmatch(r"\d+", v) else None)
                if src in produced:
                    j, col = produced[src]
                    gsets.setdefault(j, names[j])
                    return f"(:{names[j]}{col}{suffix})" if suffix else f":{names[j]}{col}"
            return literal(steady(v))

        def steady(v):
            """What differs between two runs of the same build, in a value
            kept as a literal, made the same at the same length: clock
            readings (the pair's, the lease's end) and hashes."""
            if v is None:
                return v

            def clock(m):
                n = int(m.group(0))
                if lo - 60000 <= n <= hi:
                    return "1700000000000"
                if lo + LEASE_MS - 60000 <= n <= hi + LEASE_MS:
                    return str(1700000000000 + LEASE_MS)
                return m.group(0)

            v = re.sub(r"\b1\d{12}\b", clock, v)
            return re.sub(r"\b[0-9a-f]{64}\b", lambda m: hashlib.sha256(str(i).encode()).hexdigest(), v)

        text = re.sub(r"\$(\d+)", lambda m: var(params[int(m.group(1)) - 1], int(m.group(1))), sql)
        t = table_of(sql)
        count[t] = count.get(t, 0) + 1
        names[i] = t + ("" if count[t] == 1 else str(count[t])) + "_"
        a = answers[i]
        if a and a["row"] is not None:
            for col, val in zip(a["cols"], a["row"]):
                if keyed(col) and val not in produced and val not in known and val not in ("", "0", "1"):
                    produced[val] = (i, col)
        lines.append((i, text))
    out = [
        "-- One claim (L1) and one submit on a paid project, statement for statement as",
        "-- `labelflow serve` sends them on PostgreSQL. GENERATED by",
        "-- `bench/pgbench-claim.sh generate` from a logged run (log_statement = all,",
        "-- one warm-up pair, then this pair) of the build below; do not edit: run it",
        "-- again (`bench/pgbench-claim.sh check` fails when this file is stale).",
        f"-- Build: {build}",
        "-- Run by bench/pgbench-claim.sh with -M prepared; each client is one",
        "-- annotator. Variables (-D): project, first_uid, now (ms), audit (0|1). A",
        "-- session's id is its user's id (bench/pg/users.sql). Values the server took",
        "-- from an earlier answer are set by \\gset; JSON literals spell colons \\x3a.",
        "\\set uid :first_uid + :client_id",
        f"\\set lease_expires :now + {LEASE_MS}",
        "",
        "-- ---- POST /projects/{id}/claim ----",
    ]
    # A round trip of several statements is a pipeline, but pgbench
    # cannot \gset in one: a statement whose answer a later one takes is
    # sent on its own, one round trip more than the server's, and said so.
    in_audit = False
    pipe = False
    for i, text in lines:
        if i == "":
            if in_audit:
                out.append("\\endif")
                in_audit = False
            out.append(text)
            continue
        first, size = group[i]
        if i == first and first in needs:
            out.append("-- the server has this account id cached; pgbench looks it up, a"
                       " statement the server does not send")
            out += needs[first]
        if i == first and size > 1 and any(j in gsets for j in range(first, first + size)):
            out.append(f"-- (the server sends the next {size} statements in one round trip)")
        # A pipeline needs two statements: the rest of this round trip up
        # to the next one that sets variables.
        run = 0
        while i + run < first + size and i + run not in gsets:
            run += 1
        alone = i in gsets or (not pipe and run < 2)
        if not alone and not pipe:
            out.append("\\startpipeline")
            pipe = True
        audit = "audit" in text
        if audit != in_audit:
            out.append("\\if :audit" if audit else "\\endif")
            in_audit = audit
        out.append(text + (f" \\gset {gsets[i]}" if i in gsets else ";"))
        nxt = i + 1
        ends = nxt == first + size or nxt in gsets
        if pipe and ends:
            if in_audit:
                out.append("\\endif")
                in_audit = False
            out.append("\\endpipeline")
            pipe = False
    if in_audit:
        out.append("\\endif")
    print("\n".join(out))


main()
