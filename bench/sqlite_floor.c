/*
 * sqlite_floor.c - the SQLite floor of a claim + submit pair (issue 17):
 * the least SQL that does the work of one claim and one submit, run
 * in-process by one thread on one connection, which bench/claim.sh puts
 * next to LabelFlow on SQLite. No HTTP, no authentication, no JSON, no
 * ledger: only the rows every transition must write.
 *
 * The schema and statements are those of the PostgreSQL floor
 * (bench/pg/floor.sql, bench/pg/floor-pair.sql) in SQLite's dialect: WAL,
 * synchronous=NORMAL, BEGIN IMMEDIATE ... COMMIT per transition:
 *   claim:  pick the next queued task by the partial index and lock it
 *           (one UPDATE ... RETURNING), insert the hold, insert the audit row
 *   submit: insert the annotation, update the hold, update the task,
 *           insert the audit row
 * One addition: an index on holds(task_id). The submit finds its hold by
 * task, and without the index SQLite scans the whole holds table for it,
 * so the floor would fall with every pair run (PostgreSQL's runs are too
 * short for that to show).
 *
 * A fresh database file in a temporary folder (under TMPDIR, removed at
 * the end), TASKS queued tasks seeded in one transaction and checkpointed,
 * then pairs for SECONDS or until the queue is empty. Prints pairs/s (=
 * cycles/s) and the pair latency (claim BEGIN to submit COMMIT)
 * percentiles; the last line is a k=v summary ("sqlite-floor: ...").
 *
 * bench/claim.sh builds it with
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o build/bench/sqlite_floor \
 *      bench/sqlite_floor.c $(pkg-config --cflags --libs sqlite3)
 *
 * Usage: sqlite_floor [tasks=300000] [seconds=10]
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Annotators the pairs take turns as (LabelFlow's bench runs 64). */
#define CLIENTS 64

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_CLAIM,
	ST_HOLD,
	ST_AUDIT,
	ST_ANNOTATION,
	ST_HOLD_PENDING,
	ST_TASK_DONE,
	ST__COUNT,
};

static const char *const sql[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_CLAIM] = "UPDATE tasks SET state = 'locked_l1', lease_owner = ?1, lease_expires = ?2 + "
		 "600000, updated_at = ?2 WHERE id = (SELECT id FROM tasks WHERE project_id = 1 "
		 "AND state = 'queued_l1' ORDER BY priority DESC, id LIMIT 1) RETURNING id",
    [ST_HOLD] = "INSERT INTO holds(task_id, user_id, amount, status) VALUES (?1, ?2, 7, 'held')",
    [ST_AUDIT] =
	"INSERT INTO audit(ts, actor, action, task_id, details) VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_ANNOTATION] = "INSERT INTO annotations(task_id, author, result, created_at) VALUES (?1, "
		      "?2, '[{\"value\":{\"start\":0,\"end\":5,\"labels\":[\"PER\"]}}]', ?3)",
    [ST_HOLD_PENDING] = "UPDATE holds SET status = 'pending' WHERE task_id = ?1 AND user_id = ?2",
    [ST_TASK_DONE] = "UPDATE tasks SET state = 'queued_l2', lease_owner = NULL, lease_expires = "
		     "NULL, updated_at = ?2 WHERE id = ?1 AND state = 'locked_l1'",
};

static const char schema[] =
    "CREATE TABLE tasks(id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, state TEXT NOT NULL,"
    " lease_owner INTEGER, lease_expires INTEGER, priority INTEGER NOT NULL DEFAULT 0, data TEXT,"
    " updated_at INTEGER);"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, ts INTEGER, actor INTEGER, action TEXT,"
    " task_id INTEGER, details TEXT);"
    "CREATE TABLE holds(id INTEGER PRIMARY KEY, task_id INTEGER, user_id INTEGER, amount INTEGER,"
    " status TEXT);"
    "CREATE TABLE annotations(id INTEGER PRIMARY KEY, task_id INTEGER, author INTEGER,"
    " result TEXT, created_at INTEGER);"
    "CREATE INDEX tasks_q1 ON tasks(project_id, priority DESC, id) WHERE state = 'queued_l1';"
    "CREATE INDEX holds_task ON holds(task_id);";

static sqlite3 *db;
static sqlite3_stmt *st[ST__COUNT];

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "sqlite_floor: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void exec(const char *s)
{
	if (sqlite3_exec(db, s, NULL, NULL, NULL) != SQLITE_OK)
		die(s);
}

/* Steps a statement that returns no row, then resets it. */
static void run(int i)
{
	if (sqlite3_step(st[i]) != SQLITE_DONE)
		die(sql[i]);
	sqlite3_reset(st[i]);
}

static void audit(int64_t ts, int actor, const char *action, int64_t task, const char *details)
{
	sqlite3_bind_int64(st[ST_AUDIT], 1, ts);
	sqlite3_bind_int(st[ST_AUDIT], 2, actor);
	sqlite3_bind_text(st[ST_AUDIT], 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st[ST_AUDIT], 4, task);
	sqlite3_bind_text(st[ST_AUDIT], 5, details, -1, SQLITE_STATIC);
	run(ST_AUDIT);
}

/* The claim transaction; returns the task's id, 0 when the queue is empty. */
static int64_t claim(int user, int64_t now)
{
	int64_t tid = 0;
	int rc;
	run(ST_BEGIN);
	sqlite3_bind_int(st[ST_CLAIM], 1, user);
	sqlite3_bind_int64(st[ST_CLAIM], 2, now);
	rc = sqlite3_step(st[ST_CLAIM]);
	if (rc == SQLITE_ROW) {
		tid = sqlite3_column_int64(st[ST_CLAIM], 0);
		rc = sqlite3_step(st[ST_CLAIM]);
	}
	if (rc != SQLITE_DONE)
		die(sql[ST_CLAIM]);
	sqlite3_reset(st[ST_CLAIM]);
	if (tid != 0) {
		sqlite3_bind_int64(st[ST_HOLD], 1, tid);
		sqlite3_bind_int(st[ST_HOLD], 2, user);
		run(ST_HOLD);
		audit(now, user, "task.claim", tid, "{\"work_id\":1}");
	}
	run(ST_COMMIT);
	return tid;
}

static void submit(int user, int64_t tid, int64_t now)
{
	run(ST_BEGIN);
	sqlite3_bind_int64(st[ST_ANNOTATION], 1, tid);
	sqlite3_bind_int(st[ST_ANNOTATION], 2, user);
	sqlite3_bind_int64(st[ST_ANNOTATION], 3, now);
	run(ST_ANNOTATION);
	sqlite3_bind_int64(st[ST_HOLD_PENDING], 1, tid);
	sqlite3_bind_int(st[ST_HOLD_PENDING], 2, user);
	run(ST_HOLD_PENDING);
	sqlite3_bind_int64(st[ST_TASK_DONE], 1, tid);
	sqlite3_bind_int64(st[ST_TASK_DONE], 2, now);
	run(ST_TASK_DONE);
	if (sqlite3_changes(db) != 1) {
		fprintf(stderr, "sqlite_floor: task %lld was not locked\n", (long long)tid);
		exit(1);
	}
	audit(now, user, "task.submit", tid, "{\"annotation_version\":1}");
	run(ST_COMMIT);
}

static void seed(int64_t tasks)
{
	sqlite3_stmt *ins = NULL;
	char text[160];
	int64_t now = wall_ms();
	exec("BEGIN");
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO tasks(project_id, state, priority, data, updated_at)"
			       " VALUES (1, 'queued_l1', 0, ?1, ?2)",
			       -1, &ins, NULL) != SQLITE_OK)
		die("prepare seed");
	for (int64_t i = 1; i <= tasks; i++) {
		/* The same task text as bench/claim.sh gives LabelFlow's tasks. */
		snprintf(text, sizeof(text),
			 "{\"text\":\"Task %lld: Ada Lovelace met Charles Babbage at the Royal "
			 "Society.\"}",
			 (long long)i);
		sqlite3_bind_text(ins, 1, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 2, now);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die("seed");
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	exec("COMMIT");
	exec("ANALYZE");
	exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

/* Prints the claim's query plan, which must read the partial index. */
static void show_plan(void)
{
	sqlite3_stmt *q = NULL;
	char buf[1024];
	int found = 0;
	snprintf(buf, sizeof(buf), "EXPLAIN QUERY PLAN %s", sql[ST_CLAIM]);
	if (sqlite3_prepare_v2(db, buf, -1, &q, NULL) != SQLITE_OK)
		die("explain");
	printf("claim plan:");
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(q, 3);
		printf(" [%s]", d);
		if (d != NULL && strstr(d, "tasks_q1") != NULL)
			found = 1;
	}
	printf("%s\n", found ? "" : "  (NOT on the partial index tasks_q1)");
	sqlite3_finalize(q);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double pct_ms(const int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)n);
	if (n == 0)
		return 0;
	return (double)v[i < n ? i : n - 1] / 1e6;
}

int main(int argc, char **argv)
{
	int64_t tasks = argc > 1 ? atoll(argv[1]) : 300000;
	double seconds = argc > 2 ? atof(argv[2]) : 10;
	const char *tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char dir[512], path[600];
	int64_t *lat = NULL, t0, t1, deadline;
	size_t n = 0;
	if (tasks <= 0 || seconds <= 0) {
		fprintf(stderr, "usage: sqlite_floor [tasks=300000] [seconds=10]\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/lf-sqlite-floor.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror("sqlite_floor: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/floor.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die(path);
	exec("PRAGMA journal_mode=WAL");
	exec("PRAGMA synchronous=NORMAL");
	exec(schema);
	t0 = now_ns();
	seed(tasks);
	t1 = now_ns();
	printf("sqlite:           %s, WAL, synchronous=NORMAL, one connection, one thread\n",
	       sqlite3_libversion());
	printf("seeded:           %lld queued tasks in %.0f ms (%s)\n", (long long)tasks,
	       (double)(t1 - t0) / 1e6, path);
	show_plan();
	for (int i = 0; i < ST__COUNT; i++)
		if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st[i], NULL) !=
		    SQLITE_OK)
			die(sql[i]);
	lat = malloc(sizeof(*lat) * (size_t)tasks);
	if (lat == NULL) {
		perror("sqlite_floor: malloc");
		return 1;
	}
	t0 = now_ns();
	deadline = t0 + (int64_t)(seconds * 1e9);
	while (n < (size_t)tasks) {
		int user = (int)(n % CLIENTS) + 1;
		int64_t s = now_ns(), now = wall_ms(), tid;
		if (s >= deadline)
			break;
		if ((tid = claim(user, now)) == 0)
			break;
		submit(user, tid, now);
		lat[n++] = now_ns() - s;
	}
	t1 = now_ns();
	double wall = (double)(t1 - t0) / 1e9;
	qsort(lat, n, sizeof(*lat), cmp_i64);
	printf("pairs:            %zu in %.3f s%s\n", n, wall,
	       n == (size_t)tasks ? " (queue drained)" : "");
	printf("pairs/s:          %.1f\n", (double)n / wall);
	printf("pair ms:          p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", pct_ms(lat, n, 0.50),
	       pct_ms(lat, n, 0.90), pct_ms(lat, n, 0.99), pct_ms(lat, n, 1.0));
	printf("sqlite-floor: tasks=%lld pairs=%zu wall=%.3f pairs_per_s=%.1f p50_ms=%.3f "
	       "p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
	       (long long)tasks, n, wall, (double)n / wall, pct_ms(lat, n, 0.50),
	       pct_ms(lat, n, 0.90), pct_ms(lat, n, 0.99), pct_ms(lat, n, 1.0));
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(st[i]);
	sqlite3_close(db);
	free(lat);
	snprintf(path, sizeof(path), "%s/floor.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/floor.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/floor.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}
