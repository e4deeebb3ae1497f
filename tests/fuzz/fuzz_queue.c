/* fuzz_queue.c - libFuzzer target for the spool entry's envelope
 *
 * The input is the start of an entry file (an exactly-sized copy, not
 * NUL-terminated). Invariants: an envelope queue_parse_env accepts holds
 * no control character in any field, formats again, and that text parses
 * to the same envelope. */

#include <config.h>

#include "fuzz.h"
#include "queue.h"

static void
fuzz_clean(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

static int
fuzz_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
fuzz_compare(const struct queue_env *a, const struct queue_env *b)
{
	size_t i, k = 0;

	if (strcmp(a->id, b->id) != 0 || a->uid != b->uid ||
	    a->created != b->created || a->attempts != b->attempts ||
	    a->next_attempt != b->next_attempt ||
	    !fuzz_same(a->from, b->from) || !fuzz_same(a->account, b->account))
		abort();
	for (i = 0; i < a->nrcpts; i++) {
		if (a->rcpts[i].state == QUEUE_RCPT_DONE)
			continue;
		if (k >= b->nrcpts || strcmp(a->rcpts[i].addr, b->rcpts[k].addr) ||
		    !fuzz_same(a->rcpts[i].reply, b->rcpts[k].reply))
			abort();
		k++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), *text = NULL;
	struct queue_env env, again;
	struct err e = { 0 };
	size_t len, i;

	memcpy(copy, data, size);
	if (queue_parse_env(copy, size, &env, &e) >= 0) {
		fuzz_clean(env.from);
		fuzz_clean(env.account);
		fuzz_clean(env.notify);
		for (i = 0; i < env.nrcpts; i++) {
			fuzz_clean(env.rcpts[i].addr);
			fuzz_clean(env.rcpts[i].reply);
		}
		if (queue_format_env(&env, &text, &len, &e) == 0) {
			if (queue_parse_env(text, len, &again, &e) < 0)
				abort();
			fuzz_compare(&env, &again);
			queue_env_free(&again);
			free(text);
		}
		queue_env_free(&env);
	}
	err_clear(&e);
	free(copy);
	return 0;
}
