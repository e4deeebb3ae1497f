/* sasl.c - SASL client mechanisms
 *
 * Owns: the messages of PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256(-PLUS),
 *       XOAUTH2, OAUTHBEARER and EXTERNAL, choosing the strongest one,
 *       checking the SCRAM server's proof. Pure: no I/O.
 * Not:  the AUTH command dialogue (smtp_auth.c), where secrets come from
 *       (secret.c). */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "i18n.h"
#include "sasl.h"
#include "xmalloc.h"

static const char *const sasl_names[] = {
	[SASL_NONE] = "none",
	[SASL_EXTERNAL] = "EXTERNAL",
	[SASL_LOGIN] = "LOGIN",
	[SASL_PLAIN] = "PLAIN",
	[SASL_CRAM_MD5] = "CRAM-MD5",
	[SASL_SCRAM_SHA_256] = "SCRAM-SHA-256",
	[SASL_SCRAM_SHA_256_PLUS] = "SCRAM-SHA-256-PLUS",
	[SASL_XOAUTH2] = "XOAUTH2",
	[SASL_OAUTHBEARER] = "OAUTHBEARER",
};

#define SASL_NMECH (sizeof(sasl_names) / sizeof(sasl_names[0]))

enum sasl_mech
sasl_mech_by_name(const char *name)
{
	size_t i;

	for (i = 1; i < SASL_NMECH; i++)
		if (strcasecmp(name, sasl_names[i]) == 0)
			return (enum sasl_mech)i;
	return SASL_NONE;
}

const char *
sasl_mech_name(enum sasl_mech m)
{
	return (size_t)m < SASL_NMECH ? sasl_names[m] : "none";
}

int
sasl_mech_reveals(enum sasl_mech m)
{
	return m == SASL_PLAIN || m == SASL_LOGIN || m == SASL_XOAUTH2 ||
	       m == SASL_OAUTHBEARER;
}

int
sasl_offered(const char *offered, enum sasl_mech m)
{
	const char *name = sasl_mech_name(m), *p = offered;
	size_t n = strlen(name);

	while ((p = strcasestr(p, name)) != NULL) {
		if ((p == offered || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' '))
			return 1;
		p += n;
	}
	return 0;
}

enum sasl_mech
sasl_choose(const char *offered, int tls, int have_cb, int have_cert)
{
	static const enum sasl_mech order[] = {
		SASL_SCRAM_SHA_256_PLUS, SASL_SCRAM_SHA_256, SASL_CRAM_MD5,
		SASL_PLAIN, SASL_LOGIN
	};
	size_t i;

	if (offered == NULL)
		return SASL_NONE;
	if (have_cert && tls && sasl_offered(offered, SASL_EXTERNAL))
		return SASL_EXTERNAL;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (order[i] == SASL_SCRAM_SHA_256_PLUS && !have_cb)
			continue;
		if (!tls && sasl_mech_reveals(order[i]))
			continue;
		if (sasl_offered(offered, order[i]))
			return order[i];
	}
	return SASL_NONE;
}

void
sasl_init(struct sasl *s, enum sasl_mech m, const char *user,
	  const char *secret, const char *host, int port)
{
	memset(s, 0, sizeof(*s));
	s->mech = m;
	s->user = xstrdup(user ? user : "");
	s->secret = xstrdup(secret ? secret : "");
	s->host = xstrdup(host ? host : "");
	s->port = port;
}

void
sasl_free(struct sasl *s)
{
	free(s->user);
	xfree_secret(s->secret);
	free(s->host);
	buf_wipe(&s->cb);
	free(s->gs2);
	free(s->nonce);
	free(s->first_bare);
	xwipe(s, sizeof(*s));
}

/* Base64 of raw bytes into out, wiping the raw copy. */
static void
sasl_out(struct buf *out, struct buf *raw)
{
	crypto_base64(out, raw->data ? raw->data : "", raw->len);
	buf_wipe(raw);
}

/* SCRAM's saslname: '=' and ',' escaped. */
static void
sasl_scram_name(struct buf *b, const char *u)
{
	for (; *u; u++) {
		if (*u == '=')
			buf_append_str(b, "=3D");
		else if (*u == ',')
			buf_append_str(b, "=2C");
		else
			buf_append_char(b, *u);
	}
}

static void
sasl_scram_first(struct sasl *s, struct buf *raw)
{
	unsigned char r[18];
	struct buf b = { 0 };

	crypto_random(r, sizeof(r));
	crypto_base64(&b, r, sizeof(r));
	s->nonce = buf_steal(&b);
	if (s->mech == SASL_SCRAM_SHA_256_PLUS)
		s->gs2 = xasprintf("p=%s,,", s->cb_type);
	else
		s->gs2 = xstrdup(s->cb_offered ? "y,," : "n,,");
	buf_append_str(&b, "n=");
	sasl_scram_name(&b, s->user);
	buf_printf(&b, ",r=%s", s->nonce);
	s->first_bare = buf_steal(&b);
	buf_printf(raw, "%s%s", s->gs2, s->first_bare);
}

int
sasl_initial(struct sasl *s, struct buf *out, struct err *e)
{
	struct buf raw = { 0 };

	(void)e;
	switch (s->mech) {
	case SASL_PLAIN:
		buf_append_char(&raw, '\0');
		buf_append_str(&raw, s->user);
		buf_append_char(&raw, '\0');
		buf_append_str(&raw, s->secret);
		break;
	case SASL_EXTERNAL:
		if (*s->user == '\0') {
			buf_append_char(out, '=');
			return 0;
		}
		buf_append_str(&raw, s->user);
		break;
	case SASL_XOAUTH2:
		buf_printf(&raw, "user=%s\001auth=Bearer %s\001\001", s->user,
			   s->secret);
		break;
	case SASL_OAUTHBEARER:
		buf_append_str(&raw, "n,a=");
		sasl_scram_name(&raw, s->user);
		buf_printf(&raw, ",\001host=%s\001port=%d\001auth=Bearer "
				 "%s\001\001", s->host, s->port, s->secret);
		break;
	case SASL_SCRAM_SHA_256:
	case SASL_SCRAM_SHA_256_PLUS:
		sasl_scram_first(s, &raw);
		break;
	default:
		return 1;
	}
	sasl_out(out, &raw);
	return 0;
}

static int
sasl_bad(struct err *e, const char *why)
{
	err_set(e, ERR_PROTOCOL, _("authentication: %s"), why);
	return -1;
}

/* The value of attribute c ("r=", "s=", "i=", "v=") in a SCRAM message. */
static char *
sasl_attr(const char *msg, char c)
{
	const char *p = msg;

	while (p != NULL && *p != '\0') {
		if (p[0] == c && p[1] == '=')
			return xstrndup(p + 2, strcspn(p + 2, ","));
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

static void
sasl_scram_proof(struct sasl *s, const struct buf *salt, unsigned iter,
		 const char *auth, unsigned char proof[32])
{
	unsigned char salted[32], ckey[32], stored[32], csig[32], skey[32];
	size_t i, alen = strlen(auth);

	crypto_pbkdf2_sha256(s->secret, strlen(s->secret), salt->data,
			     salt->len, iter, salted, sizeof(salted));
	crypto_hmac_sha256(salted, 32, "Client Key", 10, ckey);
	crypto_sha256(ckey, 32, stored);
	crypto_hmac_sha256(stored, 32, auth, alen, csig);
	for (i = 0; i < 32; i++)
		proof[i] = ckey[i] ^ csig[i];
	crypto_hmac_sha256(salted, 32, "Server Key", 10, skey);
	crypto_hmac_sha256(skey, 32, auth, alen, s->server_sig);
	xwipe(salted, 32);
	xwipe(ckey, 32);
	xwipe(stored, 32);
	xwipe(csig, 32);
	xwipe(skey, 32);
}

/* server-first -> client-final */
static int
sasl_scram_final(struct sasl *s, const char *server_first, struct buf *out,
		 struct err *e)
{
	char *r = sasl_attr(server_first, 'r'), *sb = sasl_attr(server_first, 's');
	char *it = sasl_attr(server_first, 'i'), *auth = NULL;
	struct buf salt = { 0 }, c = { 0 }, raw = { 0 };
	unsigned char proof[32];
	long iter = it ? strtol(it, NULL, 10) : 0;
	int rc = -1;

	/* RFC 5802 5.1: r= comes first (an "m=" extension must fail), and
	 * the iteration count is digits only. */
	if (strncmp(server_first, "r=", 2) != 0 || it == NULL ||
	    it[strspn(it, "0123456789")] != '\0' ||
	    r == NULL || sb == NULL || iter < 1 || iter > 1000000 ||
	    strncmp(r, s->nonce, strlen(s->nonce)) != 0 ||
	    crypto_unbase64(sb, &salt) < 0) {
		sasl_bad(e, _("invalid SCRAM challenge"));
		goto out;
	}
	buf_append_str(&c, s->gs2);
	if (s->mech == SASL_SCRAM_SHA_256_PLUS)
		buf_append(&c, s->cb.data, s->cb.len);
	buf_append_str(&raw, "c=");
	crypto_base64(&raw, c.data, c.len);
	buf_printf(&raw, ",r=%s", r);
	auth = xasprintf("%s,%s,%s", s->first_bare, server_first,
			 buf_cstr(&raw));
	sasl_scram_proof(s, &salt, (unsigned)iter, auth, proof);
	buf_append_str(&raw, ",p=");
	crypto_base64(&raw, proof, sizeof(proof));
	xwipe(proof, sizeof(proof));
	sasl_out(out, &raw);
	rc = 0;
out:
	free(r);
	free(sb);
	free(it);
	free(auth);
	buf_free(&salt);
	buf_free(&c);
	return rc;
}

static int
sasl_scram_verify(struct sasl *s, const char *server_final, struct err *e)
{
	char *v = sasl_attr(server_final, 'v');
	struct buf sig = { 0 };
	int ok = v != NULL && crypto_unbase64(v, &sig) == 0 &&
		 sig.len == 32 && memcmp(sig.data, s->server_sig, 32) == 0;

	free(v);
	buf_free(&sig);
	if (!ok)
		return sasl_bad(e, _("the server could not prove it knows the "
				     "password (SCRAM)"));
	s->done = 1;
	return 0;
}

static int
sasl_cram(struct sasl *s, const struct buf *challenge, struct buf *out)
{
	unsigned char mac[16];
	struct buf raw = { 0 };
	size_t i;

	crypto_hmac_md5(s->secret, strlen(s->secret), challenge->data,
			challenge->len, mac);
	buf_printf(&raw, "%s ", s->user);
	for (i = 0; i < sizeof(mac); i++)
		buf_printf(&raw, "%02x", mac[i]);
	xwipe(mac, sizeof(mac));
	sasl_out(out, &raw);
	return 0;
}

int
sasl_step(struct sasl *s, const char *challenge, struct buf *out,
	  struct err *e)
{
	struct buf ch = { 0 }, raw = { 0 };
	int rc = 0;

	if (crypto_unbase64(challenge, &ch) < 0) {
		buf_wipe(&ch);
		return sasl_bad(e, _("the server's challenge is not base64"));
	}
	buf_cstr(&ch);
	s->step++;
	switch (s->mech) {
	case SASL_LOGIN:
		buf_append_str(&raw, s->step == 1 ? s->user : s->secret);
		sasl_out(out, &raw);
		break;
	case SASL_CRAM_MD5:
		rc = sasl_cram(s, &ch, out);
		break;
	case SASL_SCRAM_SHA_256:
	case SASL_SCRAM_SHA_256_PLUS:
		rc = s->step == 1 ? sasl_scram_final(s, ch.data, out, e)
				  : sasl_scram_verify(s, ch.data, e);
		break;
	default:
		/* XOAUTH2/OAUTHBEARER send an error as a challenge; the
		 * answer is an empty line (or ^A), then 5xx follows. */
		buf_append_str(out, s->mech == SASL_OAUTHBEARER ? "AQ==" : "");
		break;
	}
	buf_free(&ch);
	return rc;
}

int
sasl_finish(struct sasl *s, struct err *e)
{
	if ((s->mech == SASL_SCRAM_SHA_256 ||
	     s->mech == SASL_SCRAM_SHA_256_PLUS) && !s->done)
		return sasl_bad(e, _("the server accepted without proving it "
				     "knows the password (SCRAM)"));
	return 0;
}
