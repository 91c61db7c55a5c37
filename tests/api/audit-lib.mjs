// An independent reimplementation of what the audit trail's hashes,
// Merkle trees and checkpoints are (src/audit/audit.c, merkle.h,
// checkpoint.h), for tests that check the server's answers and tamper
// with its database the way an attacker who knows the formulas would.
import { createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

function field(name, val) {
  if (val === null || val === undefined) return Buffer.from(`${name}=~;`);
  const b = Buffer.from(String(val), 'utf8');
  return Buffer.concat([Buffer.from(`${name}=${b.length}:`), b, Buffer.from(';')]);
}

// lf_audit_hash over a record as GET /audit/{seq}/proof gives it.
export function recordHash(r) {
  return sha256(
    field('prev', r.prev_hash), field('seq', r.seq), field('ts', r.ts), field('actor', r.actor_id),
    field('role', r.actor_role), field('action', r.action), field('entity_type', r.entity_type),
    field('entity_id', r.entity_id), field('project', r.project_id), field('task', r.task_id),
    field('from', r.from_state), field('to', r.to_state), field('details', r.details),
  ).toString('hex');
}

export const leaf = (hex) => sha256(Buffer.from([0]), Buffer.from(hex, 'hex'));
const node = (l, r) => sha256(Buffer.from([1]), l, r);

// RFC 6962 MTH over leaf hashes.
export function merkleRoot(leaves) {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return node(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

// RFC 9162 2.1.3.2: the root an audit path leads to, or null.
export function rootFromPath(leafHash, index, size, path) {
  if (index >= size) return null;
  let fn = index, sn = size - 1, r = leafHash;
  for (const hex of path) {
    const p = Buffer.from(hex, 'hex');
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = node(r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function checkpointMessage(c) {
  return `labelflow-audit-checkpoint/1\nbatch=${c.batch}\nfirst=${c.first_seq}\nlast=${c.last_seq}\nroot=${c.root}\nprev=${c.prev}\nts=${c.sealed_at}\n`;
}

// The public key of a key file (64 hex digits: the Ed25519 seed).
export function publicKey(path) {
  const seed = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
}

// Checks a proof answer against pub; returns what is wrong, or null.
export function checkProof(p, pub) {
  if (recordHash(p.record) !== p.record.hash) return 'record hash';
  const root = rootFromPath(leaf(p.record.hash), p.leaf_index, p.tree_size, p.path);
  if (!root || root.toString('hex') !== p.checkpoint.root) return 'audit path';
  if (p.checkpoint.last_seq - p.checkpoint.first_seq + 1 !== p.tree_size) return 'tree size';
  if (p.record.seq - p.checkpoint.first_seq !== p.leaf_index) return 'leaf index';
  const msg = Buffer.from(checkpointMessage(p.checkpoint));
  if (sha256(msg).toString('hex') !== p.checkpoint.hash) return 'checkpoint hash';
  if (!verify(null, msg, pub, Buffer.from(p.checkpoint.signature, 'hex'))) return 'signature';
  return null;
}
