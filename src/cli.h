/* cli.h - the sendmail command line */
#ifndef DSMTP_CLI_H
#define DSMTP_CLI_H

#include <stddef.h>

#include "err.h"

enum cli_mode {
	CLI_MODE_SEND = 0,  /* -bm, the default */
	CLI_MODE_QUEUE_LIST, /* -bp, mailq */
	CLI_MODE_ALIASES,   /* -bi, -I, newaliases */
	CLI_MODE_SMTP,      /* -bs */
	CLI_MODE_QUEUE_RUN, /* -q, -qI<id>, --queue-* */
	CLI_MODE_HELP,
	CLI_MODE_VERSION,
	CLI_MODE_PRETEND,   /* -P, --pretend */
	CLI_MODE_SERVERINFO, /* -S, --serverinfo */
	CLI_MODE_IGNORED,   /* -q<interval>: accepted, nothing to do */
	CLI_MODE_KEYGEN,    /* --dkim-keygen */
	CLI_MODE_STORE_PASSWORD, /* --store-password */
	CLI_MODE_CHECK_DNS, /* --check-dns */
	CLI_MODE_QUEUE_CTL, /* --queue-remove, --queue-hold, --queue-release */
	CLI_MODE_QUEUE_DAEMON /* --queue-daemon */
};

/* An option that mirrors a configuration command (--tls=off, -X FILE,
 * --port 2525): main applies it to every account through the
 * configuration grammar, so its values and ranges are the file's. */
struct cli_setting {
	const char *option; /* the long option without "--", e.g. "tls" */
	const char *cmd;    /* the configuration command, e.g. "tls" */
	const char *value;  /* borrows from argv or is a constant */
};

/* What the command line asked for. Strings borrow from argv. */
struct cli_opts {
	enum cli_mode mode;
	const char *from;        /* -f/-r/--from; NULL when absent */
	const char *full_name;   /* -F */
	int ignore_dots;         /* -i, -oi */
	int read_recipients;     /* -t */
	const char *dsn_notify;  /* -N */
	const char *dsn_return;  /* -R */
	const char *envid;       /* -V */
	const char *body_type;   /* -B */
	const char *config_file; /* -C */
	int verbose;             /* -v */
	const char *account;     /* -a, --account */
	const char *host;        /* --host: no configuration file is read */
	int read_envelope_from;  /* --read-envelope-from: 1, else -1 unset */
	const char *queue_id;    /* -qI<id>, --queue-remove=ID...; sending:
	                          * the id a picked-up message keeps (set
	                          * by the pickup, never from argv) */
	const char *queue_domain; /* -qR<domain> */
	const char *queue_sender; /* -qS<sender> */
	int queue_due;           /* --queue-run: only the due entries */
	int queue_alone;      /* a --queue-daemon worker: the run takes no
			       * helper processes (the daemon has its own) */
	char queue_ctl;          /* 'r' remove, 'h' hold, 'l' release */
	char deliver_mode;       /* -odq/-odd: 'q' queue only; 0: at once */
	const char *key_type;    /* --key-type (keygen) */
	const char *selector;    /* --selector (keygen) */
	const char *keygen_domain; /* --keygen-domain (keygen) */
	const char *egress_ip;   /* --egress-ip (check-dns) */
	const char *check_to;    /* --to (check-dns): a recipient domain */
	int json;                /* --json (check-dns) */
	const char **recipients; /* argument recipients; caller frees array */
	size_t nrecipients;
	struct cli_setting *settings; /* in command-line order; cli_free */
	size_t nsettings;
};

/* Parse argv. The mode starts from the basename of argv[0] (sendmail,
 * dsmtp: send; mailq: queue list; newaliases: aliases). Returns 0, or -1
 * with e set (ERR_USAGE, ERR_UNAVAILABLE). o->recipients and
 * o->settings are allocated; release with cli_free. */
int cli_parse(int argc, char **argv, struct cli_opts *o, struct err *e);
void cli_free(struct cli_opts *o);

/* Print the --help text on stdout. */
void cli_help(void);

#endif
