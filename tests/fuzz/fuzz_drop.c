/* fuzz_drop.c - libFuzzer target for the helper's copy of a user's stream
 *
 * The first input byte f picks how the stream (the rest) arrives: always
 * from a file read whole; when f & 0x80, also through a packet-mode pipe,
 * each read(2) one piece of (f & 0x7f) + 1 octets or more. drop_copy
 * copies it into a memfd with a max of FUZZ_DROP_MAX. Invariants: on
 * DROP_OK the output is the input minus its trailer, begins with a header
 * incoming_parse accepts, is as long as that header and the SIZE of the
 * trailer "\nend SIZE\n" that follows it in the input, and SIZE <= max.
 * Both ways give the same result, and on DROP_OK the same output. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>

#include "drop.h"
#include "fuzz.h"
#include "incoming.h"

#define FUZZ_DROP_MAX 4096

/* Run drop_copy from in (closed) into a new memfd; its content into *out
 * (caller frees), its length into *len. */
static enum drop_result
fuzz_copy(int in, char **out, size_t *len)
{
	int fd = memfd_create("fuzz-out", MFD_CLOEXEC);
	enum drop_result r;
	off_t n;

	if (fd < 0)
		abort();
	r = drop_copy(in, fd, FUZZ_DROP_MAX);
	close(in);
	n = lseek(fd, 0, SEEK_END);
	*out = malloc(n > 0 ? (size_t)n : 1);
	if (n < 0 || *out == NULL || pread(fd, *out, (size_t)n, 0) != n)
		abort();
	*len = (size_t)n;
	close(fd);
	return r;
}

/* A pipe in packet mode holding p (n octets) in pieces of step octets or
 * more (as many as the pipe has slots), its writing end closed; -1 when
 * the kernel will not have it (no finding). */
static int
fuzz_pieces(const uint8_t *p, size_t n, size_t step)
{
	int fds[2];
	long slots;
	size_t k;

	if (pipe2(fds, O_DIRECT | O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	(void)fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	slots = fcntl(fds[1], F_GETPIPE_SZ) / 4096;
	if (slots > 1 && n / (size_t)(slots - 1) + 1 > step)
		step = n / (size_t)(slots - 1) + 1;
	for (; n > 0; p += k, n -= k) {
		k = step < n ? step : n;
		if (write(fds[1], p, k) != (ssize_t)k) {
			close(fds[0]);
			fds[0] = -1;
			break;
		}
	}
	close(fds[1]);
	return fds[0];
}

/* The invariants of a DROP_OK: out (olen) against the stream in (n). */
static void
fuzz_check_ok(const uint8_t *in, size_t n, const char *out, size_t olen)
{
	struct incoming inc;
	struct err e = { 0 };
	char trailer[32];
	ssize_t hlen;
	size_t msg;

	if (olen > n || memcmp(out, in, olen) != 0)
		abort();
	hlen = incoming_parse(out, olen, &inc, &e);
	if (hlen < 0)
		abort();
	incoming_free(&inc);
	err_clear(&e);
	msg = olen - (size_t)hlen;
	if (msg > FUZZ_DROP_MAX)
		abort();
	snprintf(trailer, sizeof(trailer), "\nend %zu\n", msg);
	if (n - olen != strlen(trailer) ||
	    memcmp(in + olen, trailer, n - olen) != 0)
		abort();
}

/* The two ways agree. */
static void
fuzz_agree(enum drop_result a, enum drop_result b)
{
	if (a != b)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned f = fuzz_flags(&data, &size);
	enum drop_result r, r2;
	char *out, *out2;
	size_t len, len2;
	int in;

	r = fuzz_copy(fuzz_memfd(data, size), &out, &len);
	if (r == DROP_OK)
		fuzz_check_ok(data, size, out, len);
	in = f & 0x80 ? fuzz_pieces(data, size, (f & 0x7f) + 1) : -1;
	if (in >= 0) {
		r2 = fuzz_copy(in, &out2, &len2);
		fuzz_agree(r, r2);
		if (r == DROP_OK && (len2 != len || memcmp(out, out2, len)))
			abort();
		free(out2);
	}
	free(out);
	return 0;
}
