/*
 * fixture.h - the unit tests' one temporary database: a fresh SQLite file
 * in its own folder with every migration applied, an arena, and helpers
 * that make the rows a test starts from (people, projects, tasks, money).
 *
 * Helpers assert (cmocka) instead of returning codes: a fixture that
 * cannot be built is a failed test, not a case to handle.
 */
#ifndef LF_TEST_FIXTURE_H
#define LF_TEST_FIXTURE_H

#include "store/store.h"

typedef struct lf_fx {
	char dir[64];	/* the temporary folder, removed on close */
	char path[128]; /* the database file, for tests that open it raw */
	lf_store *s;
	lf_arena *arena;
} lf_fx;

/* Opens a migrated database under /tmp/lf_test_<name>_XXXXXX with readers
 * read connections. LF_OK or an error code (setup fails). */
int lf_fx_open(lf_fx *f, const char *name, int readers);
/* Closes the store and removes the folder. Safe on a zeroed fixture. */
void lf_fx_close(lf_fx *f);

/* Removes a temporary folder and everything below it. */
void lf_fx_rm_dir(const char *dir);

/* cmocka setup/teardown for tests that need nothing but an lf_fx:
 * *state is a heap lf_fx named "unit". */
int lf_fx_setup(void **state);
int lf_fx_teardown(void **state);

/* A write transaction (asserted to open). */
lf_tx *lf_fx_begin(lf_fx *f);

/* A user with a global role; the id. */
int64_t lf_fx_user(lf_fx *f, const char *email, const char *role);
/* A project in EUR with the given policies and rates JSON texts (NULL =
 * "{}") and the NER label config below; the id. */
int64_t lf_fx_project(lf_fx *f, const char *policies, const char *rates);
/* Gives user a role in project. */
void lf_fx_member(lf_fx *f, int64_t project_id, int64_t user_id, const char *role);
/* A queued_l1 task whose data is {"text": text}; the id. */
int64_t lf_fx_task(lf_fx *f, int64_t project_id, const char *text);
/* Deposits amount minor units into the project's escrow. */
void lf_fx_deposit(lf_fx *f, int64_t project_id, int64_t amount);
/* The balance of a ledger account (kind "escrow", "held", "payable"...;
 * user 0 for project accounts). */
int64_t lf_fx_balance(lf_fx *f, const char *kind, int64_t project_id, int64_t user_id);

/* How many audit records of action the trail holds. */
int64_t lf_fx_audit_count(lf_fx *f, const char *action);

/* A parsed label config (asserted to parse; the parse error is printed).
 * Owner: the caller, lf_labelcfg_free. */
struct lf_labelcfg *lf_fx_labelcfg(const char *xml);

/* The label config of lf_fx_project: one text, PER and ORG spans. */
extern const char lf_fx_ner_config[];

#endif
