#!/usr/bin/python3
r"""Checks a LabelFlow audit inclusion proof without LabelFlow's code.

    audit-proof.py --pubkey HEX [FILE]      (FILE or, without it, stdin)

HEX is the installation's Ed25519 public key (64 hex digits), obtained
out of band from whoever runs the server, never from the document being
checked. Needs Python 3 and PyNaCl (Debian:
python3-nacl). Exit 0 and one "ok: ..." line when the proof holds, else
exit 1 and one "FAIL: ..." line for each thing that does not.

The document is the answer of GET /api/v1/audit/{seq}/proof:

    {
      "record": {
        "seq": 42,                     integer
        "ts": 1700000000123,           integer, ms since the epoch
        "actor_id": 3,                 integer, or null/0 for the system
        "actor_role": "annotator",     string or null
        "action": "task.submit",       string
        "entity_type": "task",         string
        "entity_id": "17",             string or null
        "project_id": 2,               integer, or null/0 for none
        "task_id": 17,                 integer, or null/0 for none
        "from_state": "locked_l1",     string or null
        "to_state": "queued_l2",       string or null
        "details": "{\"k\":1}",        string: the stored JSON text, byte
                                       for byte (it is what was hashed;
                                       re-encoding parsed JSON would not
                                       reproduce it)
        "prev_hash": "<64 hex>",       the previous record's hash
        "hash": "<64 hex>"             this record's hash
      },
      "leaf_index": 1,                 seq - checkpoint.first_seq
      "tree_size": 50,                 last_seq - first_seq + 1
      "path": ["<64 hex>", ...],       RFC 6962 audit path, leaf side first
      "checkpoint": {
        "batch": 3, "first_seq": 41, "last_seq": 90,   integers
        "sealed_at": 1700000000456,    integer, ms
        "root": "<64 hex>", "prev": "<64 hex>", "hash": "<64 hex>",
        "signature": "<128 hex>",      Ed25519 over the message below
        "key_id": "<16 hex>"           the public key's first 16 hex digits
      }
    }

What is checked, each independently of the server:
1. the record's hash, recomputed from its fields with the canonical
   encoding of src/audit/audit.c: SHA-256 over, in this order,
   prev, seq, ts, actor, role, action, entity_type, entity_id, project,
   task, from, to, details, each as "name=<byte length>:<value>;" or
   "name=~;" for null (integers as decimal text; an absent actor, project
   or task is 0, which is how the store reads its NULL back);
2. that leaf_index and tree_size are the record's place in the signed
   range (an audit path alone does not pin the tree size);
3. the RFC 6962 path from leaf = SHA-256(0x00 || record hash) to the root,
   walked as in RFC 9162 2.1.3.2 with node = SHA-256(0x01 || left ||
   right), against checkpoint.root;
4. the checkpoint's hash: SHA-256 of the message
       labelflow-audit-checkpoint/1\nbatch=<n>\nfirst=<seq>\nlast=<seq>\n
       root=<hex>\nprev=<hex>\nts=<sealed_at>\n
5. its key_id against the given key, and its Ed25519 signature over that
   message with the given key.
"""
import argparse
import hashlib
import json
import re
import sys

try:
    import nacl.exceptions
    import nacl.signing
except ImportError:
    sys.exit("FAIL: audit-proof.py needs PyNaCl (Debian: apt-get install python3-nacl)")

HEX64 = re.compile(r"[0-9a-f]{64}\Z")
HEX128 = re.compile(r"[0-9a-f]{128}\Z")

# The order lf_audit_hash hashes the fields in, and each one's JSON key.
TEXT, INT, ID = "text", "int", "id"
RECORD_FIELDS = [
    ("prev", "prev_hash", TEXT),
    ("seq", "seq", INT),
    ("ts", "ts", INT),
    ("actor", "actor_id", ID),
    ("role", "actor_role", TEXT),
    ("action", "action", TEXT),
    ("entity_type", "entity_type", TEXT),
    ("entity_id", "entity_id", TEXT),
    ("project", "project_id", ID),
    ("task", "task_id", ID),
    ("from", "from_state", TEXT),
    ("to", "to_state", TEXT),
    ("details", "details", TEXT),
]


class Malformed(Exception):
    pass


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def get_int(obj, key, where):
    v = obj.get(key)
    if not is_int(v):
        raise Malformed("%s.%s must be an integer" % (where, key))
    return v


def get_hex(obj, key, where, pattern=HEX64):
    v = obj.get(key)
    if not isinstance(v, str) or not pattern.match(v):
        raise Malformed("%s.%s must be lowercase hex" % (where, key))
    return v


def record_hash(rec):
    """lf_audit_hash (src/audit/audit.c) over the record as served."""
    h = hashlib.sha256()
    for name, key, kind in RECORD_FIELDS:
        if key not in rec:
            raise Malformed("record.%s is missing" % key)
        v = rec[key]
        if kind == ID and v is None:
            v = 0
        if kind in (INT, ID):
            if not is_int(v):
                raise Malformed("record.%s must be an integer" % key)
            v = str(v)
        elif v is not None and not isinstance(v, str):
            raise Malformed("record.%s must be a string or null (details: the stored text)" % key)
        if v is None:
            h.update(("%s=~;" % name).encode())
        else:
            b = v.encode("utf-8")
            h.update(("%s=%d:" % (name, len(b))).encode() + b + b";")
    return h.hexdigest()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def path_root(leaf, index, size, path):
    """RFC 9162 2.1.3.2: the root the path leads to, or None."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def checkpoint_message(cp):
    return (
        "labelflow-audit-checkpoint/1\nbatch=%d\nfirst=%d\nlast=%d\nroot=%s\nprev=%s\nts=%d\n"
        % (cp["batch"], cp["first_seq"], cp["last_seq"], cp["root"], cp["prev"], cp["sealed_at"])
    ).encode()


def check(doc, pubkey):
    """The list of failures, empty when the proof holds."""
    fails = []
    if not isinstance(doc, dict):
        raise Malformed("the document must be a JSON object")
    rec, cp = doc.get("record"), doc.get("checkpoint")
    if not isinstance(rec, dict) or not isinstance(cp, dict):
        raise Malformed("record and checkpoint must be objects")
    seq = get_int(rec, "seq", "record")
    given = get_hex(rec, "hash", "record")
    for key in ("batch", "first_seq", "last_seq", "sealed_at"):
        get_int(cp, key, "checkpoint")
    for key in ("root", "prev", "hash"):
        get_hex(cp, key, "checkpoint")
    get_hex(cp, "signature", "checkpoint", HEX128)
    index = get_int(doc, "leaf_index", "proof")
    size = get_int(doc, "tree_size", "proof")
    path = doc.get("path")
    if not isinstance(path, list) or not all(isinstance(p, str) and HEX64.match(p) for p in path):
        raise Malformed("path must be a list of 64 lowercase hex digits each")

    if record_hash(rec) != given:
        fails.append("record %d: its hash does not match its fields (the record was altered)" % seq)
    first, last = cp["first_seq"], cp["last_seq"]
    if not first <= seq <= last:
        fails.append("record %d is outside batch %d (seq %d..%d)" % (seq, cp["batch"], first, last))
    if size != last - first + 1 or index != seq - first:
        fails.append(
            "leaf %d of %d is not record %d's place in batch %d (leaf %d of %d)"
            % (index, size, seq, cp["batch"], seq - first, last - first + 1)
        )
    leaf = hashlib.sha256(b"\x00" + bytes.fromhex(given)).digest()
    root = path_root(leaf, index, size, [bytes.fromhex(p) for p in path])
    if root is None:
        fails.append("the path has the wrong length for leaf %d of %d" % (index, size))
    elif root.hex() != cp["root"]:
        fails.append("the path does not lead to batch %d's root" % cp["batch"])

    msg = checkpoint_message(cp)
    if hashlib.sha256(msg).hexdigest() != cp["hash"]:
        fails.append("checkpoint %d: its hash does not match its fields" % cp["batch"])
    key_id = cp.get("key_id")
    if key_id != pubkey[:16]:
        fails.append(
            "checkpoint %d: signed by key %s, not by the given key %s"
            % (cp["batch"], key_id, pubkey[:16])
        )
    try:
        nacl.signing.VerifyKey(bytes.fromhex(pubkey)).verify(msg, bytes.fromhex(cp["signature"]))
    except nacl.exceptions.CryptoError:
        fails.append("checkpoint %d: the signature does not verify with the given key" % cp["batch"])
    return fails


def main():
    ap = argparse.ArgumentParser(description="Check a LabelFlow audit inclusion proof.")
    ap.add_argument("--pubkey", required=True, help="the installation's Ed25519 public key, 64 hex")
    ap.add_argument("file", nargs="?", help="the proof document (default: stdin)")
    args = ap.parse_args()
    pubkey = args.pubkey.strip().lower()
    if not HEX64.match(pubkey):
        print("FAIL: --pubkey must be 64 hex digits", file=sys.stderr)
        return 1
    try:
        if args.file:
            with open(args.file, encoding="utf-8") as f:
                doc = json.load(f)
        else:
            doc = json.load(sys.stdin)
        fails = check(doc, pubkey)
    except (OSError, ValueError) as e:
        print("FAIL: cannot read the proof document: %s" % e, file=sys.stderr)
        return 1
    except Malformed as e:
        print("FAIL: malformed proof document: %s" % e, file=sys.stderr)
        return 1
    for f in fails:
        print("FAIL: " + f, file=sys.stderr)
    if fails:
        return 1
    rec, cp = doc["record"], doc["checkpoint"]
    print("ok: record %d is in batch %d signed by %s" % (rec["seq"], cp["batch"], cp["key_id"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
