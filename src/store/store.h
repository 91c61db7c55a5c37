/*
 * store.h - persistence for LabelFlow, the only database API handlers and
 * domain modules see. SQL dialects stay behind it, in two drivers behind
 * the driver interface db.h, chosen by lf_store_open from the URL:
 *
 *   sqlite.c  embedded SQLite (the default): WAL, a pool of reader
 *             connections, and one writer connection whose group commit
 *             is sqlite_writer.c;
 *   pg.c      PostgreSQL through libpq: a pool of connections shared by
 *             all threads, statements prepared per connection, row locks
 *             (SKIP LOCKED for claims); any number of processes on one
 *             database.
 *
 * The domain functions (store_*.c) are written once against db.h and run
 * on both; migrations are per dialect (migrations_sqlite.c,
 * migrations_pg.c).
 *
 * This header is the core: opening, migrations, transactions and their
 * modes. Each entity's rows and functions have a header of their own
 * (store_users.h, store_tasks.h, ...), included at the end, so including
 * store.h gives the whole API.
 *
 * Every domain function takes an open transaction (lf_tx). Rows returned
 * through out-parameters are copied into the transaction's arena (given to
 * lf_store_begin), so they stay valid after commit until that arena is
 * reset. Functions return LF_OK or a negative lf_err; LF_ERR_NOTFOUND for
 * a missing row, LF_ERR_CONFLICT for a uniqueness or state conflict.
 */
#ifndef LF_STORE_H
#define LF_STORE_H

#include "core/arena.h"
#include "core/lf.h"

typedef struct lf_store lf_store;
typedef struct lf_tx lf_tx;

/*
 * Opens the database named by url: "postgres://..." or "postgresql://..."
 * (PostgreSQL), "sqlite:PATH" or a bare path (SQLite; PATH's folder is
 * created). readers is the number of read connections to keep (one
 * per server thread is right). On failure writes a sentence to err.
 * Owner: caller, released with lf_store_close.
 */
int lf_store_open(const char *url, int readers, lf_store **out, char *err, size_t errlen);

/* Driver settings (PostgreSQL's; SQLite has no pool and no timeouts). */
typedef struct lf_store_opts {
	int pool;		  /* connections; 0: readers clamped to 4..16 */
	int statement_timeout_ms; /* statement and lock timeout; 0: none */
	/* A file libpq's protocol trace of every connection is appended to
	 * (NULL: none): which messages went in which round trip, for
	 * bench/pgbench-claim.sh. Borrowed for the open only. */
	const char *trace;
} lf_store_opts;

/* The statement timeout of lf_store_open. */
#define LF_STORE_STATEMENT_TIMEOUT_MS 30000

/* lf_store_open with driver settings: opts NULL means a pool by readers
 * and LF_STORE_STATEMENT_TIMEOUT_MS. */
int lf_store_open_opts(const char *url, int readers, const lf_store_opts *opts, lf_store **out,
		       char *err, size_t errlen);
void lf_store_close(lf_store *s);

/* Applies pending migrations; *applied (may be NULL) gets how many ran. */
int lf_store_migrate(lf_store *s, int *applied);
/* Schema version after migrations. */
int lf_store_schema_version(lf_store *s, int *version);

/* Transaction modes of lf_store_begin. */
enum { LF_TX_READ = 0, LF_TX_WRITE = 1, LF_TX_SNAPSHOT = 2 };

/*
 * Begins a transaction. LF_TX_WRITE takes a write connection (on SQLite the
 * single writer: SQLite allows one writer at a time and funnelling writers
 * through one connection avoids busy spinning). LF_TX_READ reads, with each
 * statement seeing committed data (SQLite gives the whole transaction one
 * snapshot; PostgreSQL one per statement). LF_TX_SNAPSHOT reads from one
 * snapshot for the whole transaction on every store: for checks that
 * compare several queries (verification, exports). arena receives copies
 * of returned rows; it must outlive the use of those rows; with arena
 * NULL, rows live until the transaction ends. The tx is released by commit
 * or rollback.
 */
int lf_store_begin(lf_store *s, int mode, lf_arena *arena, lf_tx **out);
/*
 * Runs fn as one write transaction and returns once it is committed: fn's
 * error (its writes rolled back), a commit error, or LF_OK. fn may run on
 * another thread (the current holder of the database's writer runs queued
 * writes back to back); it gets a transaction it must neither commit nor
 * roll back, and must not begin another write transaction. Rows go to
 * arena. Preferred for short, frequent writes: no thread hand-off between
 * them.
 */
int lf_store_write(lf_store *s, lf_arena *arena, int (*fn)(lf_tx *tx, void *ud), void *ud);
/* Commits and releases tx. On failure the transaction is rolled back. */
int lf_store_commit(lf_tx *tx);
/* Rolls back and releases tx; NULL is allowed. */
void lf_store_rollback(lf_tx *tx);
lf_arena *lf_store_arena(lf_tx *tx);
/* A number no other store this process opened has: the key of a cache of
 * rows that must not serve one database's rows to another. */
uint64_t lf_store_serial(const lf_tx *tx);
/* 1 when every write of s goes through one writer (SQLite), so that work
 * a write can do before it is queued should be done there, 0 when
 * writers run side by side (PostgreSQL). */
int lf_store_single_writer(const lf_store *s);
/* Marks write transaction tx as one that may be lost in a crash (the
 * client redoes it) but never half-applied: its commit need not wait for
 * the disk. Only for work nobody was told is done, e.g. a claim. */
void lf_store_tx_relaxed(lf_tx *tx);
/* Cheap liveness probe for /readyz. */
int lf_store_ping(lf_store *s);

/* What lf_store_backup copied. */
typedef struct lf_store_backup_info {
	int64_t pages; /* database pages in the copy */
	int64_t bytes; /* pages times the page size */
} lf_store_backup_info;

/*
 * Copies the SQLite database url ("sqlite:PATH" or a bare path) to the new
 * file dest while servers and workers keep using it: the copy is one
 * consistent snapshot (one read transaction), a single file in rollback
 * journal mode, checked with integrity_check, written under a temporary
 * name and renamed to dest only when complete. Never migrates the source
 * and never replaces an existing dest (LF_ERR_CONFLICT). A PostgreSQL url
 * is refused with LF_ERR_INVALID: its backups are pg_dump or the server's
 * point-in-time recovery. On failure writes a sentence to err.
 */
int lf_store_backup(const char *url, const char *dest, lf_store_backup_info *info, char *err,
		    size_t errlen);

/* The rows and functions of each entity, one header per entity. */
#include "store/store_audit.h"
#include "store/store_exports.h"
#include "store/store_gold.h"
#include "store/store_imports.h"
#include "store/store_jobs.h"
#include "store/store_ledger.h"
#include "store/store_media.h"
#include "store/store_ml.h"
#include "store/store_projects.h"
#include "store/store_sources.h"
#include "store/store_stats.h"
#include "store/store_tasks.h"
#include "store/store_users.h"
#include "store/store_webhooks.h"

#endif
