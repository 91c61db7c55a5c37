/*
 * gate.c - at most a backend's concurrency calls in flight in this
 * process. The job queue has no notion of a key to limit, and a
 * backend's jobs arrive by the hundred after an import; the gate keeps a
 * model server (often one GPU) from being asked more than it can serve.
 * Per process: a second worker process brings its own share.
 */
#include "ml/ml_int.h"

#include <pthread.h>
#include <time.h>

/* Backends calling at once in a process; past that, calls are not gated. */
#define GATES 256
/* How often a waiting job checks whether it must stop. */
#define WAIT_MS 200

static struct {
	int64_t id;
	int running;
} gates[GATES];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static int find(int64_t id, int make);

/* The slot of backend id, or a free one when make; -1 when none. */
static int find(int64_t id, int make)
{
	int free_slot = -1;
	for (int i = 0; i < GATES; i++) {
		if (gates[i].id == id)
			return i;
		if (free_slot < 0 && gates[i].running == 0)
			free_slot = i;
	}
	if (make && free_slot >= 0) {
		gates[free_slot].id = id;
		gates[free_slot].running = 0;
	}
	return make ? free_slot : -1;
}

int lf_ml_gate_enter(int64_t id, int cap, const lf_job *job)
{
	int ret = LF_OK, i;
	pthread_mutex_lock(&mu);
	while ((i = find(id, 1)) >= 0 && gates[i].running >= cap) {
		if (job != NULL && lf_jobs_stopping(job)) {
			ret = LF_ERR_IO;
			goto cleanup;
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WAIT_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&cv, &mu, &until);
	}
	if (i >= 0)
		gates[i].running++;
cleanup:
	pthread_mutex_unlock(&mu);
	return ret;
}

void lf_ml_gate_leave(int64_t id)
{
	pthread_mutex_lock(&mu);
	int i = find(id, 0);
	if (i >= 0 && gates[i].running > 0)
		gates[i].running--;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}
