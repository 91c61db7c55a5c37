/*
 * users.h - account operations that span the store, password hashing and
 * the audit trail, shared by the API and the command line.
 */
#ifndef LF_USERS_H
#define LF_USERS_H

#include "store/store.h"

/*
 * Validates and creates a user with its audit record in one transaction.
 * The password is hashed before the write transaction starts, so the slow
 * hash never holds the database's writer. actor_id 0 means the system
 * (command line, first-admin bootstrap). LF_ERR_INVALID with a sentence in
 * err for bad fields, LF_ERR_CONFLICT when the email is taken.
 */
int lf_users_create(lf_store *s, int64_t actor_id, const char *actor_role, const char *email,
		    const char *name, const char *role, const char *password, int64_t *id,
		    char *err, size_t errlen);

/* Email sanity check: 3..254 bytes, one '@' with text on both sides, no
 * spaces or control characters. */
int lf_users_email_valid(const char *email);

#endif
