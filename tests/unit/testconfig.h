/* testconfig.h - a struct config from text, for the unit tests that
 * need accounts (config_test, spool_test, engine_test). Include once per
 * test program, after cmocka.h. */
#ifndef DSMTP_TESTCONFIG_H
#define DSMTP_TESTCONFIG_H

#include <string.h>

/* "config.h" would find autoconf's header through -I.; name the module's
 * own one by its path from here. */
#include "../../src/config.h"

/* Parse text (named "rc") into a fresh c, failing the test when it is
 * refused. Release with config_free. */
static void
parse_ok(struct config *c, const char *text)
{
	struct err e = { 0 };

	memset(c, 0, sizeof(*c));
	if (config_parse_text(c, text, strlen(text), "rc", NULL, &e) != 0)
		fail_msg("config_parse_text failed: %s", e.msg ? e.msg : "");
	assert_int_equal(e.cls, ERR_NONE);
}

#endif
