/*
 * db.h - the SQL driver interface inside the store.
 *
 * Only src/store/ includes this file. Domain code in store_*.c is written
 * once against it; sqlite.c and pg.c implement it. SQL text uses
 * PostgreSQL-style $1..$N placeholders; the SQLite driver rewrites them.
 * Statements are prepared once per connection and cached by the address of
 * the SQL string, so SQL must be a string literal (or otherwise live for the
 * life of the process).
 */
#ifndef LF_DB_H
#define LF_DB_H

#include "store/store.h"

typedef enum lf_vtype { LF_VT_NULL, LF_VT_INT, LF_VT_TEXT } lf_vtype;

/* One bound parameter. Text is borrowed; it must outlive the call. A NULL
 * keeps the type it stands for (PostgreSQL needs it to type `$1 IS NULL`). */
typedef struct lf_val {
	lf_vtype type;
	int null;
	int64_t i;
	const char *s;
} lf_val;

#define LF_VINT(x)  ((lf_val){.type = LF_VT_INT, .i = (int64_t)(x)})
#define LF_VTEXT(x) ((lf_val){.type = LF_VT_TEXT, .null = (x) == NULL, .s = (x)})
/* An integer that is NULL when is_null holds. */
#define LF_VINTNULL(x, is_null) ((lf_val){.type = LF_VT_INT, .null = (is_null), .i = (int64_t)(x)})
/* An integer that is NULL when zero (optional foreign keys). */
#define LF_VID(x) LF_VINTNULL(x, (x) == 0)

typedef struct lf_db_driver lf_db_driver;

/* The cursor of a query. Each driver's own cursor starts with this, so the
 * rows functions find the driver that made it. */
typedef struct lf_rows {
	const lf_db_driver *drv;
} lf_rows;

/* The functions a driver provides. */
struct lf_db_driver {
	const char *name;
	/* opts is never NULL (lf_store_open_opts fills in defaults). */
	int (*open)(const char *target, int readers, const lf_store_opts *opts, void **out,
		    char *err, size_t errlen);
	void (*close)(void *impl);
	int (*begin)(void *impl, int write, void **conn);
	int (*commit)(void *impl, void *conn);
	void (*rollback)(void *impl, void *conn);
	int (*exec)(void *conn, const char *sql, const lf_val *p, int n, int64_t *changes);
	/* lf_db_exec_later; NULL where a statement costs no round trip. */
	int (*exec_later)(void *conn, const char *sql, const lf_val *p, int n, int one);
	int (*query)(void *conn, const char *sql, const lf_val *p, int n, lf_rows **out);
	int (*next)(lf_rows *r);
	int64_t (*col_int)(lf_rows *r, int col);
	const char *(*col_text)(lf_rows *r, int col);
	int (*col_null)(lf_rows *r, int col);
	void (*close_rows)(lf_rows *r);
	/* Runs a multi-statement script (migrations), no parameters. */
	int (*script)(void *conn, const char *sql);
	const char *(*errmsg)(void *conn);
	/* Runs fn(conn, ud) as one write transaction (see lf_store_write). */
	int (*run_write)(void *impl, int (*fn)(void *conn, void *ud), void *ud);
	/* Lets the open write transaction commit without waiting for the
	 * disk (lf_store_tx_relaxed); NULL where commits are already grouped. */
	void (*relax)(void *conn);
};

extern const lf_db_driver lf_db_sqlite;
extern const lf_db_driver lf_db_pg;

/* Executes a statement; *changes (may be NULL) gets the affected rows. */
int lf_db_exec(lf_tx *tx, const char *sql, const lf_val *p, int n, int64_t *changes);
/*
 * Executes a statement whose outcome the caller does not need to go on:
 * on PostgreSQL it is held back and sent with the transaction's next
 * statement or its COMMIT, in their round trip. Its failure is theirs:
 * the transaction fails there, with LF_ERR_CONFLICT when `one` is set
 * and the statement (an UPDATE or DELETE without RETURNING) changed
 * anything but exactly one row, or broke a constraint. So use it only
 * where failing the whole transaction is the right answer to either.
 */
int lf_db_exec_later(lf_tx *tx, const char *sql, const lf_val *p, int n, int one);
/* Starts a query; iterate with lf_rows_next, always lf_rows_close. */
int lf_db_query(lf_tx *tx, const char *sql, const lf_val *p, int n, lf_rows **out);
/* Runs a query expected to return at most one row and copies its first
 * column. LF_ERR_NOTFOUND when there is no row. */
int lf_db_query_int(lf_tx *tx, const char *sql, const lf_val *p, int n, int64_t *out);
/* Returns 1 for a row, 0 at the end, a negative lf_err on failure. */
int lf_rows_next(lf_rows *r);
int64_t lf_rows_int(lf_rows *r, int col);
/* Text of a column; NULL for SQL NULL. Valid until the next lf_rows_next. */
const char *lf_rows_text(lf_rows *r, int col);
int lf_rows_null(lf_rows *r, int col);
void lf_rows_close(lf_rows *r);
/* Text column copied into the transaction's arena (NULL stays NULL). */
char *lf_rows_dup(lf_tx *tx, lf_rows *r, int col);
/* Copies the current row into *out (a store row struct). */
typedef void (*lf_row_fill)(lf_tx *tx, lf_rows *r, void *out);
/* Runs a query expected to return at most one row and fills *out from it.
 * LF_ERR_NOTFOUND when there is no row. */
int lf_db_query_one(lf_tx *tx, const char *sql, const lf_val *p, int n, lf_row_fill fill,
		    void *out);
/* Runs a query and fills an arena array of elem-byte rows, growing it as
 * needed (at most limit rows, 0 = no limit). */
int lf_db_query_list(lf_tx *tx, const char *sql, const lf_val *p, int n, lf_row_fill fill,
		     size_t elem, int limit, void **items, int *count);
/* Makes room for one more element in an arena array that holds count
 * elements of elem bytes in *cap slots, doubling it when full. Returns the
 * (possibly moved) array, NULL when out of memory. */
void *lf_db_grow(lf_tx *tx, void *arr, int count, int *cap, size_t elem);
/* Runs a migration script in tx. */
int lf_db_script(lf_tx *tx, const char *sql);
/* Which dialect tx speaks, for the few statements that differ. */
int lf_db_is_sqlite(const lf_tx *tx);
/* The first text of a dialect pair: pick(tx, sqlite_sql, pg_sql). */
#define LF_DB_SQL(tx, sqlite_sql, pg_sql) (lf_db_is_sqlite(tx) ? (sqlite_sql) : (pg_sql))

/* A schema migration: applied in version order, each in its own
 * transaction, recorded in schema_migrations. */
typedef struct lf_migration {
	int version;
	const char *name;
	const char *sql;
} lf_migration;

extern const lf_migration lf_migrations_sqlite[];
extern const int lf_migrations_sqlite_count;
extern const lf_migration lf_migrations_pg[];
extern const int lf_migrations_pg_count;

#endif
