/* addr.c - envelope address checks and qualification
 *
 * Owns: what an acceptable envelope address is, adding the qualify
 *       domain to bare names, the host's default mail domain.
 * Not:  header parsing (rfc5322.c), aliases (aliases.c). */

#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <idn2.h>
#include <unistr.h>
#include <unistring/version.h>

#include "addr.h"
#include "i18n.h"
#include "xmalloc.h"

int
addr_check(const char *addr, const char *what, struct err *e)
{
	const unsigned char *p;

	if (strlen(addr) > 998) {
		err_set(e, ERR_DATA, _("%s address is too long"), what);
		return -1;
	}
	for (p = (const unsigned char *)addr; *p; p++) {
		/* C0, DEL, and C1 written in UTF-8 (U+0080-U+009F: CSI and
		 * the like, which terminals obey too). */
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
			err_set(e, ERR_DATA,
				_("%s address contains a control character"),
				what);
			return -1;
		}
	}
	return 0;
}

char *
addr_qualify(const char *addr, const char *domain)
{
	if (*addr == '\0' || strchr(addr, '@') != NULL)
		return xstrdup(addr);
	return xasprintf("%s@%s", addr, domain);
}

char *
addr_strip_angles(const char *addr)
{
	size_t len = strlen(addr);

	if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>')
		return xstrndup(addr + 1, len - 2);
	return xstrdup(addr);
}

const char *
addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

static char *
addr_mailname(void)
{
	char line[256];
	FILE *f = fopen("/etc/mailname", "r");
	char *p = NULL;

	if (f == NULL)
		return NULL;
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] != '\0')
			p = xstrdup(line);
	}
	fclose(f);
	return p;
}

const char *
addr_libraries(void)
{
	static char text[96];

	/* _libunistring_version is (major << 16) + (minor << 8) + subminor. */
	snprintf(text, sizeof(text), "libidn2 %s, GNU libunistring %d.%d",
		 idn2_check_version(NULL), _libunistring_version >> 16,
		 (_libunistring_version >> 8) & 0xff);
	return text;
}

/* The work of addr_host_fqdn (maybe a resolver call). */
static char *
addr_find_fqdn(void)
{
	char host[256];
	struct addrinfo hints = { 0 }, *res = NULL;
	char *p = NULL;

	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		return xstrdup("localhost");
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '.') != NULL)
		return xstrdup(host);
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL && strchr(res->ai_canonname, '.'))
		p = xstrdup(res->ai_canonname);
	if (res != NULL)
		freeaddrinfo(res);
	return p ? p : xstrdup(host);
}

char *
addr_host_fqdn(void)
{
	static char *found;

	if (found == NULL)
		found = addr_find_fqdn();
	return xstrdup(found);
}

/* The work of addr_default_domain (a file read, maybe a resolver call). */
static char *
addr_find_default_domain(void)
{
	char *p = addr_mailname();

	return p != NULL ? p : addr_host_fqdn();
}

char *
addr_default_domain(void)
{
	/* Asked for by submission, the delivery engine and the bounce
	 * names: found once per process. */
	static char *found;

	if (found == NULL)
		found = addr_find_default_domain();
	return xstrdup(found);
}

char *
addr_domain_or_default(const char *configured)
{
	return configured != NULL ? xstrdup(configured) : addr_default_domain();
}

int
addr_utf8_valid(const char *s, size_t n)
{
	return u8_check((const uint8_t *)s, n) == NULL;
}

/* Letters, digits and hyphens; labels of 1 to 63 octets, not starting or
 * ending with a hyphen; 253 octets at most. libidn2 lets "ex ample.com"
 * and "a_b.example" through, so this is checked here. */
static int
addr_ldh(const char *d)
{
	size_t label = 0, total = strlen(d);
	const char *p;

	if (total == 0 || total > 253)
		return 0;
	for (p = d; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return 0;
		if ((label == 0 && *p == '-') || ++label > 63)
			return 0;
	}
	return label > 0 && p[-1] != '-';
}

int
addr_is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* RFC 5321 address literals: "[192.0.2.1]" or "[IPv6:2001:db8::1]". The
 * General-address-literal is refused: no tag is registered and its
 * dcontent would let '<' and '>' into the envelope. */
static int
addr_literal_ok(const char *d)
{
	char ip[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	size_t len = strlen(d), skip;
	int v6;

	if (len < 3 || d[0] != '[' || d[len - 1] != ']')
		return 0;
	v6 = strncasecmp(d + 1, "IPv6:", 5) == 0;
	skip = v6 ? 6 : 1;
	if (len - 1 - skip >= sizeof(ip))
		return 0;
	memcpy(ip, d + skip, len - 1 - skip);
	ip[len - 1 - skip] = '\0';
	return inet_pton(v6 ? AF_INET6 : AF_INET, ip, bin) == 1;
}

/* The domain in A-labels, or NULL when it is not a valid host name. */
static char *
addr_domain_ascii(const char *d)
{
	char *out = NULL;

	if (*d == '[')
		return addr_literal_ok(d) ? xstrdup(d) : NULL;
	if (!addr_is_ascii(d)) {
		if (!addr_utf8_valid(d, strlen(d)) ||
		    idn2_to_ascii_8z(d, &out, IDN2_NONTRANSITIONAL |
						      IDN2_NFC_INPUT) !=
			    IDN2_OK)
			return NULL;
		d = out;
	}
	if (!addr_ldh(d)) {
		idn2_free(out);
		return NULL;
	}
	if (out != NULL) {
		char *copy = xstrdup(out);

		idn2_free(out);
		return copy;
	}
	return xstrdup(d);
}

/* RFC 5321 atext, extended by RFC 6531 to every non-ASCII octet (the
 * local part was checked to be UTF-8 before). */
static int
addr_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80 ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Dot-string: atoms of atext joined by single dots. */
static int
addr_dot_string(const char *p, const char *end)
{
	const char *start = p;

	for (; p < end; p++) {
		if (*p == '.') {
			if (p == start || p[-1] == '.')
				return 0;
		} else if (!addr_atext((unsigned char)*p)) {
			return 0;
		}
	}
	return p > start && p[-1] != '.';
}

/* Quoted-string: qtextSMTP and quoted-pairSMTP between double quotes;
 * '<' and '>' are refused there too, as no relay needs them and some
 * parse the envelope by brackets. */
static int
addr_quoted_string(const char *p, const char *end)
{
	if (end - p < 2 || *p != '"' || end[-1] != '"')
		return 0;
	for (p++, end--; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\\' && p + 1 < end) {
			c = (unsigned char)*++p;
			if (c < 0x20 || c > 0x7e)
				return 0;
		} else if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			return 0;
		}
		if (c == '<' || c == '>')
			return 0;
	}
	return 1;
}

/* The local part [addr, at) as RFC 5321 (and 6531) allow it; NULL, or
 * why not. */
static const char *
addr_local_problem(const char *addr, const char *at)
{
	if (memchr(addr, '<', (size_t)(at - addr)) != NULL ||
	    memchr(addr, '>', (size_t)(at - addr)) != NULL)
		return _("'<' and '>' are not allowed");
	if (*addr == '"')
		return addr_quoted_string(addr, at)
			       ? NULL
			       : _("invalid quoted local part");
	if (memchr(addr, ' ', (size_t)(at - addr)) != NULL)
		return _("blanks are allowed only in a quoted local part");
	return addr_dot_string(addr, at) ? NULL : _("invalid local part");
}

int
addr_normalize(const char *addr, char **out, int *utf8, struct err *e)
{
	const char *at = strrchr(addr, '@');
	const char *why;
	char *dom;

	*out = NULL;
	*utf8 = 0;
	if (*addr == '\0') {
		*out = xstrdup(addr);
		return 0;
	}
	if (at == NULL) {
		err_set(e, ERR_DATA, _("invalid address %s: no domain"), addr);
		return -1;
	}
	if (!addr_utf8_valid(addr, (size_t)(at - addr))) {
		err_set(e, ERR_DATA, _("invalid address %s: not UTF-8"), addr);
		return -1;
	}
	if ((why = addr_local_problem(addr, at)) != NULL) {
		err_set(e, ERR_DATA, _("invalid address %s: %s"), addr, why);
		return -1;
	}
	dom = addr_domain_ascii(at + 1);
	if (dom == NULL) {
		err_set(e, ERR_DATA, _("invalid address %s"), addr);
		return -1;
	}
	for (const char *p = addr; p < at; p++)
		*utf8 |= (unsigned char)*p >= 0x80;
	*out = xasprintf("%.*s@%s", (int)(at - addr), addr, dom);
	free(dom);
	return 0;
}

char *
addr_host_ascii(const char *host, struct err *e)
{
	char *h = strchr(host, ':') ? xstrdup(host) /* IPv6 */
				     : addr_domain_ascii(host);

	if (h == NULL)
		err_set(e, ERR_CONFIG, _("invalid host name %s"), host);
	return h;
}
