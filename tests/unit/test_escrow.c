/*
 * test_escrow.c - deposits and refunds as commands (ledger/escrow.c) on a
 * real database: a deposit and its replay, a key reused for another
 * amount or for a refund, a refund refused while the project is active
 * and applied once it is closed, and one audit record per movement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "fixture.h"
#include "ledger/ledger.h"

static lf_escrow_request request(int64_t project, int64_t amount, const char *key);
static int audited(lf_fx *f, int64_t project, const char *action);
static void close_project(lf_fx *f, int64_t project);

static lf_escrow_request request(int64_t project, int64_t amount, const char *key)
{
	return (lf_escrow_request){.project_id = project,
				   .amount = amount,
				   .reference = "PO-1",
				   .idempotency_key = key,
				   .actor_id = 0,
				   .actor_role = "admin"};
}

/* How many audit records of action the project has. */
static int audited(lf_fx *f, int64_t project, const char *action)
{
	lf_tx *tx = NULL;
	lf_audit_row *rows;
	int n = 0;
	lf_audit_filter af = {.project_id = project, .action = action, .limit = 100};
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_audit_list(tx, &af, &rows, &n), LF_OK);
	lf_store_rollback(tx);
	return n;
}

static void close_project(lf_fx *f, int64_t project)
{
	lf_project p;
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(lf_store_project_get(tx, project, &p), LF_OK);
	p.status = "closed";
	assert_int_equal(lf_store_project_update(tx, &p), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
}

static void test_deposit_and_replay(void **state)
{
	lf_fx *f = *state;
	lf_escrow_receipt r;
	lf_error err = {.code = 0};
	int64_t project = lf_fx_project(f, NULL, NULL);
	lf_escrow_request rq = request(project, 500, "k1");
	assert_int_equal(lf_escrow_deposit(f->s, f->arena, &rq, &r, &err), LF_OK);
	assert_false(r.replayed);
	assert_int_equal(r.movement.amount, 500);
	assert_string_equal(r.movement.kind, "deposit");
	assert_int_equal(r.escrow.available, 500);
	int64_t first = r.movement.id;
	/* The same request again answers with the first deposit and moves
	 * nothing. */
	assert_int_equal(lf_escrow_deposit(f->s, f->arena, &rq, &r, &err), LF_OK);
	assert_true(r.replayed);
	assert_int_equal(r.movement.id, first);
	assert_int_equal(r.escrow.available, 500);
	assert_int_equal(lf_fx_balance(f, "escrow", project, 0), 500);
	assert_int_equal(audited(f, project, "escrow.deposit"), 1);
}

static void test_key_reused(void **state)
{
	lf_fx *f = *state;
	lf_escrow_receipt r;
	lf_error err = {.code = 0};
	int64_t project = lf_fx_project(f, NULL, NULL);
	lf_escrow_request rq = request(project, 500, "k1");
	assert_int_equal(lf_escrow_deposit(f->s, f->arena, &rq, &r, &err), LF_OK);
	rq.amount = 700;
	assert_int_equal(lf_escrow_deposit(f->s, f->arena, &rq, &r, &err), LF_ERR_CONFLICT);
	assert_int_equal(err.code, LF_ERR_CONFLICT);
	assert_string_equal(err.reason, "idempotency_key_reused");
	/* A deposit's key cannot name a refund either. */
	close_project(f, project);
	memset(&err, 0, sizeof(err));
	assert_int_equal(lf_escrow_refund(f->s, f->arena, &rq, &r, &err), LF_ERR_CONFLICT);
	assert_string_equal(err.reason, "idempotency_key_reused");
	assert_string_equal(err.message, "This idempotency_key was already used for a deposit.");
	assert_int_equal(lf_fx_balance(f, "escrow", project, 0), 500);
	assert_int_equal(audited(f, project, NULL), 1);
}

static void test_refund_needs_closed_project(void **state)
{
	lf_fx *f = *state;
	lf_escrow_receipt r;
	lf_error err = {.code = 0};
	int64_t project = lf_fx_project(f, NULL, NULL);
	lf_fx_deposit(f, project, 300);
	lf_escrow_request rq = request(project, 0, "refund-1");
	assert_int_equal(lf_escrow_refund(f->s, f->arena, &rq, &r, &err), LF_ERR_CONFLICT);
	assert_string_equal(err.reason, "project_active");
	assert_int_equal(lf_fx_balance(f, "escrow", project, 0), 300);
	close_project(f, project);
	memset(&err, 0, sizeof(err));
	assert_int_equal(lf_escrow_refund(f->s, f->arena, &rq, &r, &err), LF_OK);
	assert_false(r.replayed);
	assert_string_equal(r.movement.kind, "refund");
	assert_int_equal(r.movement.amount, 300);
	assert_int_equal(r.escrow.available, 0);
	assert_int_equal(lf_fx_balance(f, "escrow", project, 0), 0);
	/* Replayed with nothing left: the same refund, not escrow_empty. */
	assert_int_equal(lf_escrow_refund(f->s, f->arena, &rq, &r, &err), LF_OK);
	assert_true(r.replayed);
	assert_int_equal(r.movement.amount, 300);
	/* A new key finds nothing to refund. */
	rq.idempotency_key = "refund-2";
	assert_int_equal(lf_escrow_refund(f->s, f->arena, &rq, &r, &err), LF_ERR_CONFLICT);
	assert_string_equal(err.reason, "escrow_empty");
	assert_int_equal(audited(f, project, "escrow.refund"), 1);
}

static void test_unknown_project(void **state)
{
	lf_fx *f = *state;
	lf_escrow_receipt r;
	lf_error err = {.code = 0};
	lf_escrow_request rq = request(999999, 5, "k");
	assert_int_equal(lf_escrow_deposit(f->s, f->arena, &rq, &r, &err), LF_ERR_NOTFOUND);
	assert_string_equal(err.reason, "not_found");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_deposit_and_replay, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_key_reused, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_refund_needs_closed_project, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_project, lf_fx_setup, lf_fx_teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("escrow", tests, NULL, NULL);
}
