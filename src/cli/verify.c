/*
 * verify.c - `labelflow audit verify` and `labelflow ledger verify`: the
 * same checks as GET /api/v1/audit/verify and /ledger/verify, for an
 * operator with the database but no running server. Exit status 1 when
 * the chain or the books do not verify.
 */
#include "cli/cli.h"

#include <string.h>

#include "audit/audit.h"
#include "ledger/ledger.h"

static int open_for_verify(lf_cli *cli, int argc, char **argv, lf_store **s);

/* `labelflow audit|ledger verify [--db URL]`: checks the subcommand and
 * opens the store. Returns LF_CLI_GO, or the exit status to stop with. */
static int open_for_verify(lf_cli *cli, int argc, char **argv, lf_store **s)
{
	int ret;
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		cli->usage(stderr);
		return 2;
	}
	if ((ret = lf_cli_flags(cli, argc - 1, argv + 1)) != LF_CLI_GO)
		return ret;
	return lf_cli_open_store(&cli->cfg, 1, s) == LF_OK ? LF_CLI_GO : 1;
}

/* Reads the key without creating one: a verifier that made up a key of
 * its own would report every signature as forged. */
int lf_cli_audit(lf_cli *cli, int argc, char **argv)
{
	lf_store *s = NULL;
	lf_audit_key key;
	lf_audit_anchor anchor = {0};
	lf_audit_verdict v;
	int ret = open_for_verify(cli, argc, argv, &s);
	if (ret != LF_CLI_GO)
		return ret;
	if (lf_cli_audit_key(&cli->cfg, 0, &key) != LF_OK ||
	    lf_cli_audit_anchor(&cli->cfg, &anchor) != LF_OK) {
		lf_store_close(s);
		return 1;
	}
	ret = lf_audit_verify(s, &key, anchor.bs != NULL ? &anchor : NULL,
			      cli->cfg.audit_seal_max_lag_ms, &v);
	lf_blob_close(anchor.bs);
	lf_store_close(s);
	if (ret != LF_OK) {
		fprintf(stderr, "labelflow: cannot read the audit trail (%s)\n", lf_err_str(ret));
		return 1;
	}
	if (!v.ok && v.broken_seq > 0)
		printf("audit chain BROKEN at seq %lld (batch %lld): %s (%lld records verified "
		       "before it)\n",
		       (long long)v.broken_seq, (long long)v.broken_batch, v.reason,
		       (long long)v.count);
	else if (!v.ok)
		printf("audit chain BROKEN: %s (%lld records verified)\n", v.reason,
		       (long long)v.count);
	else
		printf("audit chain ok: %lld records in %lld signed checkpoints (key %s), %lld "
		       "unsealed, head %s\n",
		       (long long)v.count, (long long)v.checkpoints, v.key_id,
		       (long long)v.unsealed, v.head);
	/* The anchor's own finding, also when the database's came first. */
	if (v.anchored && v.anchor_ok)
		printf("anchor ok: batch %lld anchored, %lld newer not yet\n",
		       (long long)v.anchor_batch, (long long)v.anchor_lag);
	else if (v.anchored)
		printf("anchor BROKEN at batch %lld: %s\n", (long long)v.anchor_broken_batch,
		       v.anchor_reason);
	return v.ok ? 0 : 1;
}

int lf_cli_ledger(lf_cli *cli, int argc, char **argv)
{
	lf_store *s = NULL;
	lf_ledger_verdict v;
	int ret = open_for_verify(cli, argc, argv, &s);
	if (ret != LF_CLI_GO)
		return ret;
	ret = lf_ledger_verify(s, &v);
	lf_store_close(s);
	if (ret != LF_OK) {
		fprintf(stderr, "labelflow: cannot read the ledger (%s)\n", lf_err_str(ret));
		return 1;
	}
	if (!v.ok) {
		printf("ledger BROKEN: %s\n", v.reason);
		return 1;
	}
	printf("ledger ok: %lld transactions, %lld entries balance; no internal account is"
	       " negative; held equals open holds; payable + paid equals earned\n",
	       (long long)v.audit.txns, (long long)v.audit.entries);
	return 0;
}
