/* addr.c - envelope address checks and qualification
 *
 * Owns: what an acceptable envelope address is, adding the qualify
 *       domain to bare names, the host's default mail domain.
 * Not:  header parsing (rfc5322.c), aliases (aliases.c). */

#include <config.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		if (*p < 0x20 || *p == 0x7f) {
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

char *
addr_default_domain(void)
{
	char host[256];
	struct addrinfo hints = { 0 }, *res = NULL;
	char *p = addr_mailname();

	if (p != NULL)
		return p;
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
