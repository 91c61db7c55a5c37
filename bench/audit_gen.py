#!/usr/bin/env python3
"""Valid audit records for bench/audit-verify.sh on the schema whose
records carry their own chain (seq, prev_hash, hash written by the appender;
before audit sealing): N claim/submit records of 64 annotators, chained with
the hash of src/audit/audit.c (lf_audit_hash: SHA-256 over a length-prefixed
encoding of prev, seq, ts, actor, role, action, entity_type, entity_id,
project, task, from, to, details). A drift from the C formula shows as a
broken chain in `labelflow audit verify`, which the script checks.

  audit_gen.py sqlite PATH N   appends to the audit_log of the SQLite file PATH
  audit_gen.py copy N [SEQ HASH]
                               prints the rows for COPY audit_log (...) FROM STDIN
                               that chain onto the record SEQ whose hash is HASH

The sqlite mode chains onto the last record already in the table.
"""
import hashlib
import sqlite3
import sys

COLS = ("seq, ts, actor_id, actor_role, action, entity_type, entity_id, project_id, task_id,"
        " from_state, to_state, details, prev_hash, hash")
BASE_TS = 1795972374227


def field(h, name, val):
    if val is None:
        h.update(f"{name}=~;".encode())
        return
    b = str(val).encode()
    h.update(f"{name}={len(b)}:".encode())
    h.update(b)
    h.update(b";")


def records(first_seq, prev, n):
    for seq in range(first_seq, first_seq + n):
        task = (seq + 1) // 2
        claim = seq % 2 == 1
        row = (seq, BASE_TS + seq, 2 + seq % 64, "annotator", "task.claim" if claim else "task.submit",
               "task", str(task), 1, task,
               "queued_l1" if claim else "locked_l1", "locked_l1" if claim else "queued_l2",
               '{"work_id":%d}' % task if claim else '{"annotation_version":1}')
        h = hashlib.sha256()
        field(h, "prev", prev)
        for name, val in zip(("seq", "ts", "actor", "role", "action", "entity_type", "entity_id",
                              "project", "task", "from", "to", "details"), row):
            field(h, name, val)
        digest = h.hexdigest()
        yield row + (prev, digest)
        prev = digest


def main():
    if sys.argv[1] == "sqlite":
        db = sqlite3.connect(sys.argv[2], isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        last = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, "0" * 64)
        gen = records(seq, prev, int(sys.argv[3]))
        while True:
            chunk = [r for _, r in zip(range(100000), gen)]
            if not chunk:
                break
            db.execute("BEGIN")
            db.executemany(f"INSERT INTO audit_log ({COLS}) VALUES ({', '.join('?' * 14)})", chunk)
            db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    else:
        out = sys.stdout
        seq, prev = (int(sys.argv[3]), sys.argv[4]) if len(sys.argv) > 4 else (0, "0" * 64)
        for r in records(seq + 1, prev, int(sys.argv[2])):
            out.write("\t".join(str(v).replace("\\", "\\\\") for v in r) + "\n")


if __name__ == "__main__":
    main()
