/*
 * checkpoint.c - the installation's audit signing key and the signed
 * checkpoints that close each sealed batch.
 */
#include "audit/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/lf.h"

#define SEED_HEX 64
/* The key file: the seed's hex and an optional newline. */
#define KEY_FILE_MAX (SEED_HEX + 1)

static int is_hex64(const char *s);
static int create_key_file(const char *path, char *err, size_t errlen);
static int read_key_file(const char *path, unsigned char seed[32], char *err, size_t errlen);
static int sync_dir_of(const char *path);

/* Lowercase only: the message must have one spelling per checkpoint. */
static int is_hex64(const char *s)
{
	size_t i;
	for (i = 0; i < SEED_HEX; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[i] == '\0';
}

/* The new name must survive a crash: checkpoints signed with a key that
 * then vanished could only be checked with a public key nobody kept. */
static int sync_dir_of(const char *path)
{
	char buf[4096];
	int fd, ret = LF_ERR_IO;
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return LF_ERR_LIMIT;
	fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ret;
	if (fsync(fd) == 0)
		ret = LF_OK;
	close(fd);
	return ret;
}

/*
 * The seed is written whole to a private temporary file, then linked to
 * path. link() fails when path exists, so of two processes starting at
 * once exactly one key wins and the other reads it; and nobody can read
 * a half-written file under the real name, which O_EXCL on path itself
 * would allow. LF_OK also when another process won the race.
 */
static int create_key_file(const char *path, char *err, size_t errlen)
{
	unsigned char seed[32];
	char text[KEY_FILE_MAX + 1], tmp[4200];
	int fd = -1, ret = LF_ERR_IO;
	if (snprintf(tmp, sizeof(tmp), "%s.%ld.%08" PRIx32 ".tmp", path, (long)getpid(),
		     randombytes_random()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "audit key path %s is too long", path);
		return LF_ERR_INVALID;
	}
	randombytes_buf(seed, sizeof(seed));
	sodium_bin2hex(text, sizeof(text), seed, sizeof(seed));
	sodium_memzero(seed, sizeof(seed));
	text[SEED_HEX] = '\n';
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create audit key %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	if (write(fd, text, KEY_FILE_MAX) != KEY_FILE_MAX || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write audit key %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	if (link(tmp, path) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create audit key %s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (sync_dir_of(path) != LF_OK) {
		snprintf(err, errlen, "cannot make audit key %s durable: %s", path,
			 strerror(errno));
		goto cleanup;
	}
	ret = LF_OK;
cleanup:
	sodium_memzero(text, sizeof(text));
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	return ret;
}

static int read_key_file(const char *path, unsigned char seed[32], char *err, size_t errlen)
{
	/* One byte more than a valid file, to tell "too long" from "just
	 * fits". */
	char text[KEY_FILE_MAX + 2];
	size_t len = 0, bin_len = 0;
	ssize_t n;
	int ret = LF_ERR_IO;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open audit key %s: %s", path, strerror(errno));
		return ret;
	}
	while (len < sizeof(text) - 1 && (n = read(fd, text + len, sizeof(text) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read audit key %s: %s", path,
				 strerror(errno));
			goto cleanup;
		}
		len += (size_t)n;
	}
	text[len] = '\0';
	if (len == KEY_FILE_MAX && text[SEED_HEX] == '\n')
		text[--len] = '\0';
	ret = LF_ERR_INVALID;
	if (len != SEED_HEX || strspn(text, "0123456789abcdefABCDEF") != SEED_HEX ||
	    sodium_hex2bin(seed, 32, text, SEED_HEX, NULL, &bin_len, NULL) != 0 || bin_len != 32) {
		snprintf(err, errlen,
			 "audit key %s is not 64 hex digits (an Ed25519 seed) and a newline", path);
		goto cleanup;
	}
	ret = LF_OK;
cleanup:
	sodium_memzero(text, sizeof(text));
	close(fd);
	return ret;
}

int lf_audit_key_load(const char *path, int create, lf_audit_key *out, char *err, size_t errlen)
{
	unsigned char seed[32];
	int ret;
	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return LF_ERR_INTERNAL;
	}
	if (create && access(path, F_OK) != 0 && errno == ENOENT &&
	    (ret = create_key_file(path, err, errlen)) != LF_OK)
		return ret;
	if ((ret = read_key_file(path, seed, err, errlen)) != LF_OK)
		return ret;
	crypto_sign_seed_keypair(out->pk, out->sk, seed);
	sodium_memzero(seed, sizeof(seed));
	sodium_bin2hex(out->pk_hex, sizeof(out->pk_hex), out->pk, sizeof(out->pk));
	memcpy(out->key_id, out->pk_hex, sizeof(out->key_id) - 1);
	out->key_id[sizeof(out->key_id) - 1] = '\0';
	return LF_OK;
}

int lf_checkpoint_message(const lf_checkpoint *c, char *buf, size_t size, size_t *len)
{
	if (!is_hex64(c->root) || !is_hex64(c->prev) || c->batch < 1 || c->first_seq < 1 ||
	    c->last_seq < c->first_seq || c->sealed_at < 0)
		return LF_ERR_INVALID;
	int n = snprintf(buf, size,
			 "labelflow-audit-checkpoint/1\nbatch=%" PRId64 "\nfirst=%" PRId64
			 "\nlast=%" PRId64 "\nroot=%s\nprev=%s\nts=%" PRId64 "\n",
			 c->batch, c->first_seq, c->last_seq, c->root, c->prev, c->sealed_at);
	if (n < 0 || (size_t)n >= size)
		return LF_ERR_LIMIT;
	*len = (size_t)n;
	return LF_OK;
}

int lf_checkpoint_sign(lf_checkpoint *c, const lf_audit_key *key)
{
	char msg[LF_CHECKPOINT_MSG_MAX];
	size_t len = 0;
	unsigned char digest[crypto_hash_sha256_BYTES], sig[crypto_sign_BYTES];
	int ret = lf_checkpoint_message(c, msg, sizeof(msg), &len);
	if (ret != LF_OK)
		return ret;
	crypto_hash_sha256(digest, (const unsigned char *)msg, len);
	sodium_bin2hex(c->hash, sizeof(c->hash), digest, sizeof(digest));
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg, len, key->sk);
	sodium_bin2hex(c->signature, sizeof(c->signature), sig, sizeof(sig));
	memcpy(c->key_id, key->key_id, sizeof(c->key_id));
	return LF_OK;
}

/*
 * The hash is checked before the signature so that an edited field is
 * named as such; the key id before the signature so that a checkpoint
 * signed by another installation's key (or a rotated one) says so rather
 * than looking forged.
 */
int lf_checkpoint_verify(const lf_checkpoint *c, const unsigned char pk[32], char *why,
			 size_t whylen)
{
	char msg[LF_CHECKPOINT_MSG_MAX], hash[65], pk_hex[65];
	unsigned char digest[crypto_hash_sha256_BYTES], sig[crypto_sign_BYTES];
	size_t len = 0, bin_len = 0;
	const char *end = NULL;
	if (lf_checkpoint_message(c, msg, sizeof(msg), &len) != LF_OK) {
		snprintf(why, whylen,
			 "checkpoint %" PRId64
			 ": malformed (root or prev not 64 hex digits, or a bad range)",
			 c->batch);
		return LF_ERR_CONFLICT;
	}
	crypto_hash_sha256(digest, (const unsigned char *)msg, len);
	sodium_bin2hex(hash, sizeof(hash), digest, sizeof(digest));
	if (strncmp(hash, c->hash, sizeof(c->hash)) != 0) {
		snprintf(why, whylen,
			 "checkpoint %" PRId64 ": hash does not match its fields (edited)",
			 c->batch);
		return LF_ERR_CONFLICT;
	}
	sodium_bin2hex(pk_hex, sizeof(pk_hex), pk, 32);
	if (strnlen(c->key_id, sizeof(c->key_id)) != 16 || strncmp(pk_hex, c->key_id, 16) != 0) {
		snprintf(why, whylen,
			 "checkpoint %" PRId64 ": signed by key %.16s, not by this key %.16s",
			 c->batch, c->key_id, pk_hex);
		return LF_ERR_CONFLICT;
	}
	if (strnlen(c->signature, sizeof(c->signature)) != 2 * crypto_sign_BYTES ||
	    sodium_hex2bin(sig, sizeof(sig), c->signature, 2 * crypto_sign_BYTES, NULL, &bin_len,
			   &end) != 0 ||
	    bin_len != sizeof(sig) ||
	    crypto_sign_verify_detached(sig, (const unsigned char *)msg, len, pk) != 0) {
		snprintf(why, whylen, "checkpoint %" PRId64 ": signature does not verify",
			 c->batch);
		return LF_ERR_CONFLICT;
	}
	return LF_OK;
}
