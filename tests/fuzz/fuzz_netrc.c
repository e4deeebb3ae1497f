/* fuzz_netrc.c - libFuzzer target for the netrc reader
 *
 * The input is a netrc file, read through a memory file descriptor's
 * /proc path by secret_netrc, looked up for a few host and user pairs
 * (with and without a user, and the default entry). */

#include <config.h>

#include "fuzz.h"
#include "secret.h"
#include "xmalloc.h"

static void
fuzz_lookup(const char *path, const char *host, const char *user)
{
	char *p = secret_netrc(path, host, user);

	xfree_secret(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfd(data, size);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fuzz_lookup(path, "mail.example.org", "user");
	fuzz_lookup(path, "mail.example.org", NULL);
	fuzz_lookup(path, "MAIL.EXAMPLE.ORG", "other");
	fuzz_lookup(path, "", "");
	close(fd);
	return 0;
}
