/* signing.c - from dkim_* settings to signatures
 *
 * Owns: reading dkim_key, dkim_domain, dkim_headers,
 *       dkim_canonicalization and dkim_expire into keys and parameters,
 *       the key-strength rules, the callback the smtp engine calls once it
 *       knows the wire form.
 * Not:  canonicalisation (dkim.c), key formats (crypto.c). */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "i18n.h"
#include "log.h"
#include "secret.h"
#include "signing.h"
#include "xmalloc.h"

static int
signing_add_key(struct signing *s, const char *line, struct err *e)
{
	size_t sel = strcspn(line, " \t");
	const char *path = line + sel + strspn(line + sel, " \t");
	struct crypto_key *k = NULL;
	struct dkim_key *dk;

	secret_protect(); /* a private key is a secret too */
	if (crypto_key_load(path, &k, e) < 0)
		return -1;
	if (crypto_key_type(k) == CRYPTO_KEY_RSA && crypto_key_bits(k) < 2048)
		log_diag(_("warning: DKIM key %s has %u bits; use 2048 or "
			   "more"), path, crypto_key_bits(k));
	s->keys = xrealloc(s->keys, (s->nkeys + 1) * sizeof(*s->keys));
	dk = &s->keys[s->nkeys++];
	dk->selector = xstrndup(line, sel);
	dk->key = k;
	return 0;
}

/* dkim_headers: names separated by ':', ',' or blanks. */
static void
signing_headers(struct signing *s, const char *list)
{
	char *copy = xstrdup(list), *tok, *save = NULL;

	for (tok = strtok_r(copy, ":, \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ":, \t", &save)) {
		/* Fields that change or vanish in transit are never signed. */
		if (strcasecmp(tok, "Return-Path") == 0 ||
		    strcasecmp(tok, "Received") == 0 ||
		    strcasecmp(tok, "Bcc") == 0 ||
		    strcasecmp(tok, "DKIM-Signature") == 0)
			continue;
		s->headers = xrealloc(s->headers,
				      (s->nheaders + 1) * sizeof(char *));
		s->headers[s->nheaders++] = xstrdup(tok);
	}
	free(copy);
}

static void
signing_summary(struct signing *s)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < s->nkeys; i++)
		buf_printf(&b, "%s%s/%s", i ? "," : "", s->domain,
			   s->keys[i].selector);
	s->summary = buf_steal(&b);
}

int
signing_setup(struct signing *s, const struct account *a,
	      const char *from_domain, struct err *e)
{
	const char *keys = config_str(a, CFG_DKIM_KEY, NULL), *p, *nl;
	const char *dom = config_str(a, CFG_DKIM_DOMAIN, from_domain);
	char *line;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (keys == NULL)
		return 0;
	if (dom == NULL || *dom == '\0') {
		err_set(e, ERR_DATA, _("cannot DKIM-sign: the message has no "
				       "From address and dkim_domain is not "
				       "set"));
		return -1;
	}
	for (p = keys; p != NULL && rc == 0; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		line = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		rc = signing_add_key(s, line, e);
		free(line);
	}
	s->domain = xstrdup(dom);
	dkim_parse_canon(config_str(a, CFG_DKIM_CANONICALIZATION,
				    "relaxed/relaxed"),
			 &s->params.hcanon, &s->params.bcanon);
	s->params.expire = config_num(a, CFG_DKIM_EXPIRE, 0);
	s->params.domain = s->domain;
	if (a->val[CFG_DKIM_HEADERS] != NULL)
		signing_headers(s, a->val[CFG_DKIM_HEADERS]);
	s->params.headers = s->headers;
	s->params.nheaders = s->nheaders;
	signing_summary(s);
	return rc;
}

void
signing_free(struct signing *s)
{
	size_t i;

	for (i = 0; i < s->nkeys; i++) {
		free(s->keys[i].selector);
		crypto_key_free(s->keys[i].key);
	}
	free(s->keys);
	for (i = 0; i < s->nheaders; i++)
		free(s->headers[i]);
	free(s->headers);
	free(s->domain);
	free(s->summary);
	memset(s, 0, sizeof(*s));
}

int
signing_sign(void *ctx, struct message *m, int qp, struct buf *out,
	     struct err *e)
{
	struct signing *s = ctx;

	if (s == NULL || s->nkeys == 0)
		return 0;
	s->params.now = time(NULL);
	return dkim_sign(m, qp, s->keys, s->nkeys, &s->params, out, e);
}
