/* secret_keyring.c - dsmtp-keyring: the desktop keyring, out of process
 *
 * Owns: the only use of libsecret. It lives in this small helper program
 *       so that dsmtp itself does not load GLib, GIO and D-Bus for every
 *       message; dsmtp runs it only when a password is wanted from the
 *       keyring.
 *
 *   dsmtp-keyring lookup HOST USER   print the password, exit 0; 1: none
 *   dsmtp-keyring store HOST USER    store the first line of stdin
 *
 * The attributes are msmtp's (host, service=smtp, user), so passwords
 * stored for msmtp with secret-tool are found, and the other way round.
 * Not:  any other password source (secret.c). */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsecret/secret.h>

static const SecretSchema keyring_schema = {
	"de.marlam.msmtp.password", SECRET_SCHEMA_DONT_MATCH_NAME,
	{ { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
	  { "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
	  { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
	  { NULL, 0 } },
	0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

static int
keyring_lookup(const char *host, const char *user)
{
	GError *error = NULL;
	gchar *pw = secret_password_lookup_sync(&keyring_schema, NULL, &error,
						"host", host, "service",
						"smtp", "user", user, NULL);

	if (error != NULL) {
		fprintf(stderr, "dsmtp-keyring: %s\n", error->message);
		g_error_free(error);
		return 2;
	}
	if (pw == NULL)
		return 1;
	printf("%s\n", pw);
	fflush(stdout);
	secret_password_free(pw);
	return 0;
}

static int
keyring_store(const char *host, const char *user)
{
	char line[4096], *label;
	GError *error = NULL;
	gboolean ok;

	if (fgets(line, sizeof(line), stdin) == NULL) {
		fprintf(stderr, "dsmtp-keyring: no password on input\n");
		return 2;
	}
	line[strcspn(line, "\r\n")] = '\0';
	label = g_strdup_printf("SMTP password for %s at %s", user, host);
	ok = secret_password_store_sync(&keyring_schema,
					SECRET_COLLECTION_DEFAULT, label, line,
					NULL, &error, "host", host, "service",
					"smtp", "user", user, NULL);
	explicit_bzero(line, sizeof(line));
	g_free(label);
	if (!ok) {
		fprintf(stderr, "dsmtp-keyring: %s\n",
			error ? error->message : "cannot store");
		if (error != NULL)
			g_error_free(error);
		return 2;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "lookup") == 0)
		return keyring_lookup(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "store") == 0)
		return keyring_store(argv[2], argv[3]);
	fprintf(stderr, "usage: dsmtp-keyring lookup|store HOST USER\n");
	return 2;
}
