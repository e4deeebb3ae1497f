/* peakrss.c - run a program and report its exact peak resident set size
 *
 * Owns: the measurement the test suites use for "bounded memory" checks.
 * Not:  any judgement of the figure (the suites compare it).
 *
 * Usage: peakrss OUTFILE PROGRAM ARGV0 [ARG...]
 * Runs PROGRAM with argv ARGV0 ARG..., waits for it and writes its
 * ru_maxrss in KiB to OUTFILE; exits with the program's status (or 128+N
 * after signal N).  A program forked straight from the Python suite would
 * report the suite's own RSS: Linux keeps the pre-exec high-water mark, and
 * after a fork that is the whole parent's.  Forked from this small
 * process, the carried-over mark is this process's few hundred KiB. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	FILE *out;
	pid_t pid;
	int status;

	if (argc < 4) {
		fputs("usage: peakrss OUTFILE PROGRAM ARGV0 [ARG...]\n",
		      stderr);
		return 64;
	}
	pid = fork();
	if (pid < 0) {
		perror("peakrss: fork");
		return 71;
	}
	if (pid == 0) {
		execv(argv[2], argv + 3);
		perror("peakrss: exec");
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("peakrss: wait4");
			return 71;
		}
	}
	out = fopen(argv[1], "w");
	if (out == NULL || fprintf(out, "%ld\n", ru.ru_maxrss) < 0 ||
	    fclose(out) != 0) {
		perror("peakrss: write");
		return 71;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
