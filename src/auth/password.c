/*
 * password.c - argon2id password hashing behind a process-wide concurrency
 * limit.
 *
 * At the default cost each hash or verify takes 64 MiB and about 0.15 s of
 * CPU (the costs are lf_password_cost's, in auth.h). Without a limit a
 * burst of logins (or an attacker) could run one per HTTP thread at once and
 * exhaust memory, so at most one runs per online CPU; more would not finish
 * sooner anyway.
 */
#include "auth/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

/* Indexed by lf_password_cost. */
static const struct {
	unsigned long long ops;
	size_t mem;
} costs[] = {
    {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE},
    {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE},
    {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN},
};

/* Written once, by the first lf_auth_init, before any thread hashes. */
static lf_password_cost cost_now = LF_PASSWORD_INTERACTIVE;
static int cost_set;

#define PW_OPSLIMIT costs[cost_now].ops
#define PW_MEMLIMIT costs[cost_now].mem

static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slots_cv = PTHREAD_COND_INITIALIZER;
static long slots_limit; /* 0 until the first acquire reads the CPU count */
static long slots_busy;

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[LF_PASSWORD_HASH_MAX];
static int dummy_ready;

static void slot_acquire(void);
static void slot_release(void);
static void dummy_init(void);
static int verify_limited(const char *hash, const char *password);

int lf_auth_init(lf_password_cost cost)
{
	if ((unsigned)cost >= LF_ARRAY_LEN(costs))
		return LF_ERR_INVALID;
	/* The dummy hash is made at the first call's cost: a second cost
	 * would make unknown emails cost less (or more) than wrong passwords. */
	if (cost_set && cost != cost_now)
		return LF_ERR_INVALID;
	if (sodium_init() < 0)
		return LF_ERR_INTERNAL;
	cost_now = cost;
	cost_set = 1;
	pthread_once(&dummy_once, dummy_init);
	return dummy_ready ? LF_OK : LF_ERR_NOMEM;
}

int lf_password_hash(const char *password, char out[LF_PASSWORD_HASH_MAX])
{
	int ret = LF_ERR_INVALID;
	size_t len;
	int rc;

	if (!password || !out)
		goto cleanup;
	len = strnlen(password, LF_PASSWORD_MAX + 1);
	if (len < LF_PASSWORD_MIN || len > LF_PASSWORD_MAX)
		goto cleanup;
	if (sodium_init() < 0) {
		ret = LF_ERR_INTERNAL;
		goto cleanup;
	}
	slot_acquire();
	rc = crypto_pwhash_str_alg(out, password, len, PW_OPSLIMIT, PW_MEMLIMIT,
				   crypto_pwhash_ALG_ARGON2ID13);
	slot_release();
	/* With valid limits the only failure left is the 64 MiB allocation. */
	ret = rc == 0 ? LF_OK : LF_ERR_NOMEM;

cleanup:
	return ret;
}

int lf_password_verify(const char *hash, const char *password)
{
	int ret = LF_ERR_AUTH;

	if (!hash || !password)
		goto cleanup;
	if (strnlen(hash, LF_PASSWORD_HASH_MAX) == LF_PASSWORD_HASH_MAX)
		goto cleanup;
	if (strnlen(password, LF_PASSWORD_MAX + 1) > LF_PASSWORD_MAX)
		goto cleanup;
	if (sodium_init() < 0)
		goto cleanup;
	ret = verify_limited(hash, password);

cleanup:
	return ret;
}

int lf_password_needs_rehash(const char *hash)
{
	if (!hash || strnlen(hash, LF_PASSWORD_HASH_MAX) == LF_PASSWORD_HASH_MAX)
		return 1;
	if (sodium_init() < 0)
		return 1;
	/* libsodium answers -1 for strings it cannot parse and 1 for argon2i;
	 * both deserve a fresh argon2id hash. */
	return crypto_pwhash_str_needs_rehash(hash, PW_OPSLIMIT, PW_MEMLIMIT) != 0;
}

/*
 * Runs a real verify against a hash made with the same parameters, through the
 * same concurrency limit, so an unknown account costs exactly what a wrong
 * password costs. Passwords refused early by lf_password_verify are refused
 * early here too, for the same reason.
 */
void lf_password_burn(const char *password)
{
	char scratch[LF_PASSWORD_HASH_MAX];
	int rc;

	if (!password || strnlen(password, LF_PASSWORD_MAX + 1) > LF_PASSWORD_MAX)
		return;
	if (sodium_init() < 0)
		return;
	pthread_once(&dummy_once, dummy_init);
	if (dummy_ready) {
		rc = verify_limited(dummy_hash, password);
	} else {
		/* No dummy hash (startup ran out of memory): hashing with the
		 * same parameters costs the same as verifying. */
		slot_acquire();
		rc = crypto_pwhash_str_alg(scratch, password, strlen(password), PW_OPSLIMIT,
					   PW_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13);
		slot_release();
	}
	/* The outcome is meaningless: only the time spent matters. */
	(void)rc;
}

static int verify_limited(const char *hash, const char *password)
{
	int rc;

	slot_acquire();
	rc = crypto_pwhash_str_verify(hash, password, strlen(password));
	slot_release();
	return rc == 0 ? LF_OK : LF_ERR_AUTH;
}

static void slot_acquire(void)
{
	pthread_mutex_lock(&slots_mu);
	if (slots_limit == 0) {
		slots_limit = sysconf(_SC_NPROCESSORS_ONLN);
		if (slots_limit < 1)
			slots_limit = 1;
	}
	while (slots_busy >= slots_limit)
		pthread_cond_wait(&slots_cv, &slots_mu);
	slots_busy++;
	pthread_mutex_unlock(&slots_mu);
}

static void slot_release(void)
{
	pthread_mutex_lock(&slots_mu);
	slots_busy--;
	pthread_cond_signal(&slots_cv);
	pthread_mutex_unlock(&slots_mu);
}

/* The dummy password is random and thrown away: nobody can log in with it. */
static void dummy_init(void)
{
	unsigned char pw[16];
	char pw_hex[sizeof(pw) * 2 + 1];

	randombytes_buf(pw, sizeof(pw));
	sodium_bin2hex(pw_hex, sizeof(pw_hex), pw, sizeof(pw));
	if (lf_password_hash(pw_hex, dummy_hash) == LF_OK)
		dummy_ready = 1;
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(pw_hex, sizeof(pw_hex));
}
