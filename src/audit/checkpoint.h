/*
 * checkpoint.h - signed checkpoints of the sealed audit chain.
 *
 * The sealer (audit/seal.c) closes each batch of records with a checkpoint:
 * the batch's seq range, the Merkle root of its record hashes (merkle.h),
 * the previous checkpoint's hash and the time, signed with the
 * installation's Ed25519 key. Checkpoints chain like the records once did,
 * so deleting or editing a sealed record changes a root, and a root cannot
 * change without a new signature, which needs the private key the database
 * never holds. The signed message is plain text, so that an independent
 * checker (scripts/audit-proof.py) rebuilds it byte for byte:
 *
 *   labelflow-audit-checkpoint/1\n
 *   batch=<n>\nfirst=<seq>\nlast=<seq>\nroot=<64 hex>\nprev=<64 hex>\nts=<ms>\n
 *
 * (integers in decimal, hex lowercase; the first checkpoint's prev is 64
 * zeros). The checkpoint's hash is SHA-256 of that message, hex.
 *
 * root is the Merkle root over the records first..last in seq order:
 * leaf i is leaf(hash of record first + i), the tree has last - first + 1
 * leaves. The proof checker relies on that order: it takes the tree size
 * and the leaf's index from the signed range and the record's seq, since
 * an audit path alone does not pin the tree size (merkle.h).
 */
#ifndef LF_AUDIT_CHECKPOINT_H
#define LF_AUDIT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct lf_checkpoint {
	int64_t batch;		     /* 1, 2, ... without gaps */
	int64_t first_seq, last_seq; /* the records it seals, inclusive */
	int64_t sealed_at;	     /* ms since the epoch */
	char root[65];		     /* Merkle root of the batch, hex */
	char prev[65];		     /* the previous checkpoint's hash, hex */
	char hash[65];		     /* SHA-256 of the message, hex */
	char signature[129];	     /* Ed25519 over the message, hex */
	char key_id[17];	     /* first 16 hex digits of the public key */
} lf_checkpoint;

/* An installation's signing key. sk is secret: never logged or stored in
 * the database. */
typedef struct lf_audit_key {
	unsigned char pk[32];
	unsigned char sk[64];
	char pk_hex[65];
	char key_id[17];
} lf_audit_key;

/*
 * Reads the key from path: a file of 64 hex digits (the Ed25519 seed) and
 * an optional newline; anything else is refused, never replaced. When the
 * file does not exist and create is set, a new seed from libsodium's
 * generator is written to it first (mode 0600, written whole to a
 * temporary file and linked into place, so two processes starting at once
 * end up with one key and neither reads half of one). LF_ERR_IO or
 * LF_ERR_INVALID with a sentence in err. out holds the secret key: wipe
 * it with sodium_memzero when done.
 */
int lf_audit_key_load(const char *path, int create, lf_audit_key *out, char *err, size_t errlen);

/* The longest message and its NUL: every integer at 19 digits. */
#define LF_CHECKPOINT_MSG_MAX 270

/* Writes c's signed message to buf; LF_ERR_LIMIT when it does not fit
 * (LF_CHECKPOINT_MSG_MAX bytes always do; 256 do for any batch and seq
 * below 10^12 and a time before the year 2286). LF_ERR_INVALID when root or
 * prev is not 64 lowercase hex digits, batch or first_seq is below 1,
 * last_seq is below first_seq or sealed_at is negative: no such
 * checkpoint gets signed. *len gets its length. */
int lf_checkpoint_message(const lf_checkpoint *c, char *buf, size_t size, size_t *len);

/* Fills c->hash, c->signature and c->key_id from the other fields. */
int lf_checkpoint_sign(lf_checkpoint *c, const lf_audit_key *key);

/* Checks c->hash against the fields and c->signature against pk (32
 * bytes): LF_OK, or LF_ERR_CONFLICT naming which failed in why. */
int lf_checkpoint_verify(const lf_checkpoint *c, const unsigned char pk[32], char *why,
			 size_t whylen);

#endif
