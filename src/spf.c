/* spf.c - Sender Policy Framework evaluation (RFC 7208 check_host)
 *
 * Owns: record selection (one v=spf1 TXT record, two are a permerror),
 *       the terms (all, include, a, mx, ptr, ip4, ip6, exists, redirect;
 *       exp is ignored: no explanation is ever fetched), qualifiers, CIDR
 *       lengths, the macros of section 7, and the limits of 4.6.4 (10
 *       DNS-querying terms, 2 void lookups, 10 MX or PTR names).
 * Not:  DNS transport (dns, through the dns_lookup seam), what
 *       --check-dns suggests from a verdict. */

#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "i18n.h"
#include "spf.h"
#include "xmalloc.h"

#define SPF_DOMAIN_MAX 253

struct spf_ip {
	int v6;
	unsigned char a[16];
};

/* One evaluation: the question, the counters, the first hard error. */
struct spf_ctx {
	const struct dns_lookup *l;
	const struct spf_query *q;
	struct spf_ip ip;
	int lookups, voids;
	char *reason;
	enum spf_result error; /* SPF_NONE, or the temperror/permerror */
};

const char *
spf_result_name(enum spf_result r)
{
	static const char *const names[] = {"none",     "neutral",  "pass",
	                                    "fail",     "softfail", "temperror",
	                                    "permerror"};

	return r <= SPF_PERMERROR ? names[r] : "?";
}

void
spf_free(struct spf_verdict *v)
{
	free(v->record);
	free(v->mechanism);
	free(v->reason);
	memset(v, 0, sizeof(*v));
}

/* Record the first error of the evaluation; returns it. */
static enum spf_result
spf_error(struct spf_ctx *x, enum spf_result r, char *why)
{
	if (x->error == SPF_NONE) {
		x->error = r;
		x->reason = why;
	} else {
		free(why);
	}
	return r;
}

/* -- macros (section 7) --------------------------------------------------- */

static void
spf_ip_text(const struct spf_query *q, struct buf *out, int dotted_v6)
{
	unsigned char a[16];
	int i;

	if (inet_pton(AF_INET6, q->ip, a) == 1 && dotted_v6) {
		for (i = 0; i < 16; i++)
			buf_printf(out, "%s%x.%x", i ? "." : "", a[i] >> 4,
			           a[i] & 15);
		return;
	}
	buf_append_str(out, q->ip);
}

/* The value of macro letter c (lower case), before transformers. */
static int
spf_macro_value(char c, const struct spf_query *q, const char *domain,
                struct buf *out)
{
	const char *s = q->sender && *q->sender ? q->sender : "postmaster";
	const char *at = strrchr(s, '@');

	switch (c) {
	case 's':
		if (at == NULL)
			buf_printf(out, "%s@%s", s, q->helo ? q->helo : "");
		else
			buf_append_str(out, s);
		return 0;
	case 'l':
		buf_append(out, s, at ? (size_t)(at - s) : strlen(s));
		return 0;
	case 'o':
		buf_append_str(out, at ? at + 1 : (q->helo ? q->helo : ""));
		return 0;
	case 'd':
		buf_append_str(out, domain);
		return 0;
	case 'i':
		spf_ip_text(q, out, 1);
		return 0;
	case 'p':
		buf_append_str(out, "unknown");
		return 0;
	case 'v':
		buf_append_str(out, strchr(q->ip, ':') ? "ip6" : "in-addr");
		return 0;
	case 'h':
		buf_append_str(out, q->helo ? q->helo : "");
		return 0;
	}
	return -1; /* c, r, t belong to exp, which is never expanded */
}

/* Split value at delimiters, keep the rightmost keep parts (0: all),
 * reversed when asked, joined with dots. */
static void
spf_transform(const char *value, const char *delims, unsigned keep, int rev,
              struct buf *out)
{
	char *copy = xstrdup(value), *parts[128], *p = copy;
	size_t n = 0, i, first;

	for (;;) {
		if (n < sizeof(parts) / sizeof(parts[0]))
			parts[n++] = p;
		p += strcspn(p, delims);
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	if (rev)
		for (i = 0; i < n / 2; i++) {
			char *t = parts[i];

			parts[i] = parts[n - 1 - i];
			parts[n - 1 - i] = t;
		}
	first = keep > 0 && keep < n ? n - keep : 0;
	for (i = first; i < n; i++)
		buf_printf(out, "%s%s", i > first ? "." : "", parts[i]);
	free(copy);
}

static void
spf_url_escape(const char *s, struct buf *out)
{
	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s))
			buf_append_char(out, *s);
		else
			buf_printf(out, "%%%02X", (unsigned char)*s);
	}
}

/* One %{...} macro at p (after "%{"); the length used, or 0. */
static size_t
spf_macro(const char *p, const struct spf_query *q, const char *domain,
          struct buf *out)
{
	struct buf value = {0}, t = {0};
	const char *c = p;
	char delims[8] = "";
	unsigned keep = 0;
	int rev = 0, upper, digits;

	upper = isupper((unsigned char)*c);
	if (spf_macro_value((char)tolower((unsigned char)*c), q, domain,
	                    &value) < 0)
		goto bad;
	for (c++, digits = 0; isdigit((unsigned char)*c); c++, digits++)
		if ((keep = keep * 10 + (unsigned)(*c - '0')) > 128)
			goto bad;
	if (digits > 0 && keep == 0)
		goto bad; /* a count of parts must be at least 1 */
	if (*c == 'r' || *c == 'R') {
		rev = 1;
		c++;
	}
	while (*c != '\0' && strchr(".-+,/_=", *c) &&
	       strlen(delims) < sizeof(delims) - 1)
		strncat(delims, c++, 1);
	if (*c != '}')
		goto bad;
	spf_transform(value.data ? value.data : "", delims[0] ? delims : ".",
	              keep, rev, &t);
	if (upper)
		spf_url_escape(buf_cstr(&t), out);
	else
		buf_append(out, t.data, t.len);
	buf_free(&value);
	buf_free(&t);
	return (size_t)(c - p) + 1;
bad:
	buf_free(&value);
	buf_free(&t);
	return 0;
}

char *
spf_expand(const char *spec, const struct spf_query *q, const char *domain)
{
	struct buf out = {0};
	const char *p = spec;
	size_t n;

	while (*p != '\0') {
		if (*p != '%') {
			if ((unsigned char)*p <= 0x20 ||
			    (unsigned char)*p >= 0x7f)
				goto bad;
			buf_append_char(&out, *p++);
			continue;
		}
		if (p[1] == '%' || p[1] == '_' || p[1] == '-') {
			buf_append_str(&out, p[1] == '%'   ? "%"
			                     : p[1] == '_' ? " "
			                                   : "%20");
			p += 2;
		} else if (p[1] == '{' &&
		           (n = spf_macro(p + 2, q, domain, &out)) > 0) {
			p += 2 + n;
		} else {
			goto bad;
		}
	}
	return buf_steal(&out);
bad:
	buf_free(&out);
	return NULL;
}

/* The expansion as a domain: no final dot, at most 253 octets (labels
 * dropped from the left, 7.3). NULL when it is not a domain. */
static char *
spf_target(struct spf_ctx *x, const char *spec, const char *domain)
{
	char *d = spf_expand(spec, x->q, domain), *p;
	size_t n;

	if (d == NULL || d[0] == '\0') {
		free(d);
		return NULL;
	}
	n = strlen(d);
	if (d[n - 1] == '.')
		d[--n] = '\0';
	for (p = d; n - (size_t)(p - d) > SPF_DOMAIN_MAX;) {
		p = strchr(p, '.');
		if (p == NULL) {
			free(d);
			return NULL;
		}
		p++;
	}
	if (p != d)
		memmove(d, p, strlen(p) + 1);
	return strchr(d, '.') ? d : (free(d), NULL);
}

/* -- DNS through the counters -----------------------------------------------
 */

/* Ask; 0 with a filled, or -1 after recording a temperror. A negative
 * answer (NXDOMAIN or no records) counts as a void lookup when count_void. */
static int
spf_ask(struct spf_ctx *x, const char *name, enum dns_type type,
        struct dns_answer *a, int count_void)
{
	struct err e = {0};

	if (x->l->query(x->l->ctx, name, type, a, &e) < 0 ||
	    (a->rcode != DNS_NOERROR && a->rcode != DNS_NXDOMAIN)) {
		if (e.msg == NULL)
			dns_answer_free(a);
		spf_error(x, SPF_TEMPERROR,
		          xasprintf(_("DNS lookup of %s %s failed"),
		                    dns_type_name(type), name));
		err_clear(&e);
		return -1;
	}
	if (count_void && a->nrrs == 0 && ++x->voids > SPF_MAX_VOID) {
		dns_answer_free(a);
		spf_error(x, SPF_PERMERROR,
		          xasprintf(_("more than %d void DNS "
		                      "lookups"),
		                    SPF_MAX_VOID));
		return -1;
	}
	return 0;
}

/* Count a DNS-querying term; -1 past the limit (permerror). */
static int
spf_count(struct spf_ctx *x)
{
	if (++x->lookups > SPF_MAX_LOOKUPS) {
		spf_error(x, SPF_PERMERROR,
		          xasprintf(_("more than %d DNS lookups"),
		                    SPF_MAX_LOOKUPS));
		return -1;
	}
	return 0;
}

static int
spf_in_cidr(const struct spf_ip *ip, const unsigned char *a, int v6,
            unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (ip->v6 != v6)
		return 0;
	if (memcmp(ip->a, a, full) != 0)
		return 0;
	return rest == 0 ||
	       ((ip->a[full] ^ a[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* 1 when one of name's A/AAAA records (for ip's family) is within the
 * prefix; 0 no; -1 error recorded. */
static int
spf_addr_match(struct spf_ctx *x, const char *name, unsigned c4, unsigned c6,
               int count_void)
{
	struct dns_answer a;
	size_t i;
	int hit = 0;

	if (spf_ask(x, name, x->ip.v6 ? DNS_AAAA : DNS_A, &a, count_void) < 0)
		return -1;
	for (i = 0; i < a.nrrs && !hit; i++)
		hit = spf_in_cidr(&x->ip, a.rrs[i].addr, x->ip.v6,
		                  x->ip.v6 ? c6 : c4);
	dns_answer_free(&a);
	return hit;
}

/* -- record and terms ---------------------------------------------------------
 */

static enum spf_result spf_eval(struct spf_ctx *x, const char *domain,
                                struct spf_verdict *v, int depth);

/* The domain's SPF record; SPF_NONE with *rec set, or a result. */
static enum spf_result
spf_record(struct spf_ctx *x, const char *domain, char **rec)
{
	struct dns_answer a;
	size_t i, found = 0;
	const char *t;

	*rec = NULL;
	if (spf_ask(x, domain, DNS_TXT, &a, 0) < 0)
		return SPF_TEMPERROR;
	for (i = 0; i < a.nrrs; i++) {
		t = (const char *)a.rrs[i].data;
		if (strncasecmp(t, "v=spf1", 6) != 0 ||
		    (t[6] != '\0' && t[6] != ' '))
			continue;
		if (found++ == 0)
			*rec = xstrdup(t);
	}
	dns_answer_free(&a);
	if (found > 1) {
		free(*rec);
		*rec = NULL;
		return spf_error(x, SPF_PERMERROR,
		                 xasprintf(_("%s has more than one SPF record"),
		                           domain));
	}
	return SPF_NONE;
}

/* Split "spec/c4//c6" (spec may be empty); 0, or -1 on a bad length. */
static int
spf_split_cidr(const char *arg, char **spec, unsigned *c4, unsigned *c6)
{
	const char *slash = NULL, *p;
	char *end;
	int brace = 0;

	*c4 = 32;
	*c6 = 128;
	for (p = arg; *p != '\0' && slash == NULL; p++) {
		if (p[0] == '%' && p[1] == '{')
			brace = 1;
		else if (*p == '}')
			brace = 0;
		else if (*p == '/' && !brace)
			slash = p;
	}
	*spec = xstrndup(arg, slash ? (size_t)(slash - arg) : strlen(arg));
	if (slash == NULL)
		return 0;
	if (slash[1] != '/') {
		*c4 = (unsigned)strtoul(slash + 1, &end, 10);
		if (end == slash + 1 || *c4 > 32 ||
		    (slash[1] == '0' && end > slash + 2))
			return -1;
		slash = end;
		if (*slash == '\0')
			return 0;
	}
	if (slash[0] != '/' || slash[1] != '/')
		return -1;
	*c6 = (unsigned)strtoul(slash + 2, &end, 10);
	return (end == slash + 2 || *c6 > 128 || *end != '\0') ? -1 : 0;
}

static int
spf_mx(struct spf_ctx *x, const char *target, unsigned c4, unsigned c6)
{
	struct dns_answer a;
	size_t i;
	int hit = 0, r;

	if (spf_ask(x, target, DNS_MX, &a, 1) < 0)
		return -1;
	if (a.nrrs > SPF_MAX_MX_NAMES) {
		dns_answer_free(&a);
		spf_error(x, SPF_PERMERROR,
		          xasprintf(_("%s has more than %d MX "
		                      "names"),
		                    target, SPF_MAX_MX_NAMES));
		return -1;
	}
	for (i = 0; i < a.nrrs && !hit; i++) {
		if (a.rrs[i].name[0] == '\0')
			continue;
		r = spf_addr_match(x, a.rrs[i].name, c4, c6, 0);
		if (r < 0) {
			dns_answer_free(&a);
			return -1;
		}
		hit = r;
	}
	dns_answer_free(&a);
	return hit;
}

/* ptr: a PTR name of the IP that resolves back to it and is target or
 * below it. */
static int
spf_ptr(struct spf_ctx *x, const char *target)
{
	char *rev = dns_reverse_name(x->ip.v6, x->ip.a);
	struct dns_answer a;
	size_t i, n, tn = strlen(target);
	int hit = 0, r;

	r = spf_ask(x, rev, DNS_PTR, &a, 1);
	free(rev);
	if (r < 0)
		return -1;
	for (i = 0; i < a.nrrs && i < SPF_MAX_MX_NAMES && !hit; i++) {
		n = strlen(a.rrs[i].name);
		if (!(strcasecmp(a.rrs[i].name, target) == 0 ||
		      (n > tn && a.rrs[i].name[n - tn - 1] == '.' &&
		       strcasecmp(a.rrs[i].name + n - tn, target) == 0)))
			continue;
		hit = spf_addr_match(x, a.rrs[i].name, 32, 128, 0) > 0;
	}
	dns_answer_free(&a);
	return hit;
}

/* ip4:ADDR[/N], ip6:ADDR[/N]. */
static int
spf_ip_mech(struct spf_ctx *x, const char *arg, int v6)
{
	const char *slash = strchr(arg, '/');
	char *addr = xstrndup(arg, slash ? (size_t)(slash - arg) : strlen(arg));
	unsigned max = v6 ? 128 : 32, bits = max;
	struct spf_ip net = {v6, {0}};
	char *end;
	int ok;

	ok = inet_pton(v6 ? AF_INET6 : AF_INET, addr, net.a) == 1;
	free(addr);
	if (ok && slash != NULL) {
		bits = (unsigned)strtoul(slash + 1, &end, 10);
		ok = end != slash + 1 && *end == '\0' && bits <= max &&
		     !(slash[1] == '0' && end > slash + 2);
	}
	if (!ok) {
		spf_error(x, SPF_PERMERROR,
		          xasprintf(_("bad ip%d:%s"), v6 ? 6 : 4, arg));
		return -1;
	}
	return spf_in_cidr(&x->ip, net.a, v6, bits);
}

/* include: the other domain's pass is a match; its errors are ours. */
static int
spf_include(struct spf_ctx *x, const char *target, int depth)
{
	struct spf_verdict sub = {0};
	enum spf_result r = spf_eval(x, target, &sub, depth + 1);

	spf_free(&sub);
	switch (r) {
	case SPF_PASS:
		return 1;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		return 0;
	case SPF_NONE:
		spf_error(x, SPF_PERMERROR,
		          xasprintf(_("include:%s has no SPF "
		                      "record"),
		                    target));
		return -1;
	default:
		return -1;
	}
}

/* A mechanism that looks at a domain: a, mx, ptr, exists, include. */
static int
spf_domain_mech(struct spf_ctx *x, const char *name, const char *arg,
                const char *domain, int depth)
{
	char *spec = NULL, *target;
	unsigned c4 = 32, c6 = 128;
	int hit = -1, cidr = strcmp(name, "a") == 0 || strcmp(name, "mx") == 0;

	if (spf_count(x) < 0)
		return -1;
	if (cidr ? spf_split_cidr(arg ? arg : "", &spec, &c4, &c6) < 0
	         : (spec = xstrdup(arg ? arg : ""), 0)) {
		free(spec);
		spf_error(x, SPF_PERMERROR, xasprintf(_("bad %s term"), name));
		return -1;
	}
	if ((arg == NULL || spec[0] == '\0') &&
	    (strcmp(name, "exists") == 0 || strcmp(name, "include") == 0)) {
		free(spec);
		spf_error(x, SPF_PERMERROR,
		          xasprintf(_("%s needs a domain"), name));
		return -1;
	}
	target = spec[0] ? spf_target(x, spec, domain) : xstrdup(domain);
	free(spec);
	if (target == NULL) {
		spf_error(x, SPF_PERMERROR,
		          xasprintf(_("bad domain in %s"), name));
		return -1;
	}
	if (strcmp(name, "a") == 0)
		hit = spf_addr_match(x, target, c4, c6, 1);
	else if (strcmp(name, "mx") == 0)
		hit = spf_mx(x, target, c4, c6);
	else if (strcmp(name, "ptr") == 0)
		hit = spf_ptr(x, target);
	else if (strcmp(name, "include") == 0)
		hit = spf_include(x, target, depth);
	else {
		struct dns_answer a;

		if (spf_ask(x, target, DNS_A, &a, 1) == 0) {
			hit = a.nrrs > 0;
			dns_answer_free(&a);
		}
	}
	free(target);
	return hit;
}

/* One mechanism: 1 match, 0 no match, -1 error recorded. */
static int
spf_mechanism(struct spf_ctx *x, const char *term, const char *domain,
              int depth)
{
	static const char *const named[] = {"a", "mx", "ptr", "exists",
	                                    "include"};
	char name[16];
	size_t n = strcspn(term, ":/"), i;
	const char *arg = term[n] == ':'   ? term + n + 1
	                  : term[n] == '/' ? term + n
	                                   : NULL;

	if (n == 0 || n >= sizeof(name))
		goto bad;
	memcpy(name, term, n);
	name[n] = '\0';
	for (i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	if (strcmp(name, "all") == 0) {
		if (arg != NULL)
			goto bad;
		return 1;
	}
	if (strcmp(name, "ip4") == 0 || strcmp(name, "ip6") == 0) {
		if (term[n] != ':')
			goto bad;
		return spf_ip_mech(x, arg, name[2] == '6');
	}
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strcmp(name, named[i]) == 0)
			return spf_domain_mech(x, name, arg, domain, depth);
bad:
	spf_error(x, SPF_PERMERROR,
	          xasprintf(_("unknown or bad term %.64s"), term));
	return -1;
}

static enum spf_result
spf_qualifier(char q)
{
	switch (q) {
	case '-':
		return SPF_FAIL;
	case '~':
		return SPF_SOFTFAIL;
	case '?':
		return SPF_NEUTRAL;
	}
	return SPF_PASS;
}

/* A modifier "name=value": redirect is kept, exp and unknown ones are
 * ignored, a second redirect or exp is a permerror. 1 when term is a
 * modifier, 0 when not, -1 on error. */
static int
spf_modifier(struct spf_ctx *x, const char *term, char **redirect, int *exp)
{
	size_t n = strcspn(term, "=:/");

	if (term[n] != '=')
		return 0;
	if (n == 0) {
		spf_error(x, SPF_PERMERROR,
		          xasprintf(_("bad modifier %.64s"), term));
		return -1;
	}
	if (n == 8 && strncasecmp(term, "redirect", 8) == 0) {
		if (*redirect != NULL)
			goto twice;
		*redirect = xstrdup(term + 9);
	} else if (n == 3 && strncasecmp(term, "exp", 3) == 0) {
		if ((*exp)++)
			goto twice;
	}
	return 1;
twice:
	spf_error(x, SPF_PERMERROR,
	          xasprintf(_("%.*s given twice"), (int)n, term));
	return -1;
}

/* The redirect= modifier's result, when no mechanism matched. */
static enum spf_result
spf_redirect(struct spf_ctx *x, const char *spec, const char *domain,
             struct spf_verdict *v, int depth)
{
	struct spf_verdict sub = {0};
	char *target;
	enum spf_result r;

	if (spf_count(x) < 0)
		return SPF_PERMERROR;
	target = spf_target(x, spec, domain);
	if (target == NULL)
		return spf_error(x, SPF_PERMERROR,
		                 xasprintf(_("bad redirect=%.64s"), spec));
	r = spf_eval(x, target, &sub, depth + 1);
	if (r == SPF_NONE)
		r = spf_error(
		        x, SPF_PERMERROR,
		        xasprintf(_("redirect=%s has no SPF record"), target));
	free(v->mechanism);
	v->mechanism = sub.mechanism ? xasprintf("redirect=%s: %s", target,
	                                         sub.mechanism)
	                             : NULL;
	spf_free(&sub);
	free(target);
	return r;
}

/* Walk the terms of rec; the result, with v->mechanism the match. */
static enum spf_result
spf_terms(struct spf_ctx *x, char *rec, const char *domain,
          struct spf_verdict *v, int depth)
{
	char *save = NULL, *term, *redirect = NULL;
	enum spf_result r = SPF_NEUTRAL;
	int exp = 0, m;

	for (term = strtok_r(rec + 6, " ", &save); term != NULL;
	     term = strtok_r(NULL, " ", &save)) {
		m = spf_modifier(x, term, &redirect, &exp);
		if (m < 0)
			goto err;
		if (m > 0)
			continue;
		m = spf_mechanism(x, strchr("+-~?", term[0]) ? term + 1 : term,
		                  domain, depth);
		if (m < 0)
			goto err;
		if (m > 0) {
			v->mechanism = xstrdup(term);
			free(redirect);
			return spf_qualifier(term[0]);
		}
	}
	if (redirect != NULL)
		r = spf_redirect(x, redirect, domain, v, depth);
	free(redirect);
	return r;
err:
	free(redirect);
	return x->error;
}

/* check_host() for domain; v gets the record and the matching term. */
static enum spf_result
spf_eval(struct spf_ctx *x, const char *domain, struct spf_verdict *v,
         int depth)
{
	enum spf_result r;
	char *rec, *work;

	if (depth > SPF_MAX_LOOKUPS + 1)
		return spf_error(x, SPF_PERMERROR, xstrdup(_("include loop")));
	r = spf_record(x, domain, &rec);
	if (r != SPF_NONE || rec == NULL)
		return r;
	v->record = rec;
	work = xstrdup(rec);
	r = spf_terms(x, work, domain, v, depth);
	free(work);
	return r;
}

enum spf_result
spf_check(const struct dns_lookup *l, const struct spf_query *q,
          struct spf_verdict *v)
{
	struct spf_ctx x = {.l = l, .q = q};
	const char *d = q->domain;

	memset(v, 0, sizeof(*v));
	if (inet_pton(AF_INET, q->ip, x.ip.a) != 1) {
		x.ip.v6 = 1;
		if (inet_pton(AF_INET6, q->ip, x.ip.a) != 1) {
			v->reason =
			        xasprintf(_("%s is not an IP address"), q->ip);
			return v->result = SPF_PERMERROR;
		}
	}
	if (d == NULL || strchr(d, '.') == NULL || strlen(d) > SPF_DOMAIN_MAX) {
		v->reason = xasprintf(_("%s is not a domain"), d ? d : "");
		return v->result = SPF_NONE;
	}
	v->result = spf_eval(&x, d, v, 0);
	if (v->result == SPF_NONE && v->record == NULL && x.error == SPF_NONE)
		v->reason = xasprintf(_("%s has no SPF record"), d);
	if (x.error != SPF_NONE) {
		v->result = x.error;
		free(v->reason);
		v->reason = x.reason;
		x.reason = NULL;
	}
	free(x.reason);
	v->lookups = x.lookups;
	v->void_lookups = x.voids;
	return v->result;
}
