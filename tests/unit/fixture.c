/*
 * fixture.c - see fixture.h.
 */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labelcfg/labelcfg.h"
#include "ledger/ledger.h"

const char lf_fx_ner_config[] = "<View><Text name=\"text\" value=\"$text\"/>"
				"<Labels name=\"label\" toName=\"text\">"
				"<Label value=\"PER\"/><Label value=\"ORG\"/></Labels></View>";

int lf_fx_open(lf_fx *f, const char *name, int readers)
{
	char url[160], err[256] = "";
	int ret;
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/lf_test_%s_XXXXXX", name);
	if (mkdtemp(f->dir) == NULL) {
		f->dir[0] = '\0';
		return LF_ERR_IO;
	}
	snprintf(f->path, sizeof(f->path), "%s/db", f->dir);
	snprintf(url, sizeof(url), "sqlite:%s", f->path);
	if ((f->arena = lf_arena_create()) == NULL) {
		ret = LF_ERR_NOMEM;
		goto fail;
	}
	if ((ret = lf_store_open(url, readers, &f->s, err, sizeof(err))) != LF_OK) {
		fprintf(stderr, "# cannot open %s: %s\n", url, err);
		goto fail;
	}
	if ((ret = lf_store_migrate(f->s, NULL)) != LF_OK)
		goto fail;
	return LF_OK;
fail:
	lf_fx_close(f);
	return ret;
}

void lf_fx_close(lf_fx *f)
{
	lf_store_close(f->s);
	lf_arena_destroy(f->arena);
	if (f->dir[0] != '\0')
		lf_fx_rm_dir(f->dir);
	memset(f, 0, sizeof(*f));
}

int lf_fx_setup(void **state)
{
	lf_fx *f = calloc(1, sizeof(*f));
	if (f == NULL || lf_fx_open(f, "unit", 4) != LF_OK) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

int lf_fx_teardown(void **state)
{
	lf_fx_close(*state);
	free(*state);
	return 0;
}

/* Whatever cannot be unlinked is a folder: emptied, then removed. */
void lf_fx_rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p) != 0)
			lf_fx_rm_dir(p);
	}
	closedir(d);
	rmdir(dir);
}

lf_tx *lf_fx_begin(lf_fx *f)
{
	lf_tx *tx = NULL;
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, f->arena, &tx), LF_OK);
	return tx;
}

int64_t lf_fx_user(lf_fx *f, const char *email, const char *role)
{
	int64_t id = 0;
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(lf_store_user_insert(tx, email, email, role, "x", 1, &id), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	return id;
}

int64_t lf_fx_project(lf_fx *f, const char *policies, const char *rates)
{
	int64_t id = 0;
	lf_project p = {.name = "p",
			.description = "",
			.instructions = "",
			.label_config = lf_fx_ner_config,
			.currency = "EUR",
			.policies = policies != NULL ? policies : "{}",
			.rates = rates != NULL ? rates : "{}",
			.task_types = "{}",
			.status = "active",
			.created_at = 1};
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(lf_store_project_insert(tx, &p, &id), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	return id;
}

void lf_fx_member(lf_fx *f, int64_t project_id, int64_t user_id, const char *role)
{
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(lf_store_member_add(tx, project_id, user_id, role, 1), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
}

int64_t lf_fx_task(lf_fx *f, int64_t project_id, const char *text)
{
	char data[512];
	int64_t id = 0;
	json_t *d = json_pack("{s:s}", "text", text);
	char *s = json_dumps(d, JSON_COMPACT);
	snprintf(data, sizeof(data), "%s", s);
	free(s);
	json_decref(d);
	lf_task t = {.project_id = project_id, .state = "queued_l1", .data = data, .created_at = 1};
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(lf_store_task_insert(tx, &t, &id), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	return id;
}

void lf_fx_deposit(lf_fx *f, int64_t project_id, int64_t amount)
{
	static int seq;
	char key[32];
	lf_deposit d;
	int replayed = 0;
	snprintf(key, sizeof(key), "fx-%d", ++seq);
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(
	    lf_ledger_deposit(tx, project_id, "EUR", amount, "test", key, 0, &d, &replayed), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
}

int64_t lf_fx_balance(lf_fx *f, const char *kind, int64_t project_id, int64_t user_id)
{
	lf_tx *tx = NULL;
	int64_t b = -1;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_account_balance(tx, kind, project_id, user_id, "EUR", &b), LF_OK);
	lf_store_rollback(tx);
	return b;
}

int64_t lf_fx_audit_count(lf_fx *f, const char *action)
{
	lf_tx *tx = NULL;
	lf_audit_row *rows;
	int n = 0;
	lf_audit_filter flt = {.action = action, .limit = 1000};
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_audit_list(tx, &flt, &rows, &n), LF_OK);
	lf_store_rollback(tx);
	return n;
}

lf_labelcfg *lf_fx_labelcfg(const char *xml)
{
	lf_labelcfg *cfg = NULL;
	char err[256] = "";
	int rc = lf_labelcfg_parse(xml, strlen(xml), &cfg, err, sizeof(err));
	if (rc != LF_OK)
		print_error("parse failed: %s\n", err);
	assert_int_equal(rc, LF_OK);
	assert_non_null(cfg);
	return cfg;
}
