/* testspool.h - a throwaway spool directory for the queue's unit tests
 * (queue_test, runq_test): cmocka setup and teardown. Include once per
 * test program, after cmocka.h. */
#ifndef DSMTP_TESTSPOOL_H
#define DSMTP_TESTSPOOL_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"
#include "xmalloc.h"

struct spool {
	char dir[64];
	struct queue q;
	int calls;           /* for tests that count engine calls */
	char victim[QUEUE_ID_MAX]; /* runq_test: an entry a racing runner takes */
};

/* A queue_writer for a NUL-terminated text (ctx). */
static int
spool_write_text(void *ctx, int fd, struct err *e)
{
	const char *text = ctx;
	size_t n = strlen(text);

	(void)e;
	return write(fd, text, n) == (ssize_t)n ? 0 : -1;
}

static int
spool_setup(void **state)
{
	struct spool *s = xcalloc(1, sizeof(*s));
	struct err e = { 0 };

	strcpy(s->dir, "/tmp/dsmtp-spool-test.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	assert_int_equal(queue_open(&s->q, s->dir, &e), 0);
	*state = s;
	return 0;
}

static int
spool_teardown(void **state)
{
	struct spool *s = *state;
	char *cmd = xasprintf("rm -rf '%s'", s->dir);

	queue_close(&s->q);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(s);
	return 0;
}

#endif
