/* crypto.c - GnuTLS behind a small interface
 *
 * Owns: SHA-256, base64, loading and generating signing keys, the two
 *       DKIM signature algorithms.
 * Not:  DKIM canonicalisation and tags (dkim.c), TLS sessions. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "crypto.h"
#include "spool.h"
#include "file.h"
#include "i18n.h"
#include "xmalloc.h"

/* PKCS#8 DER of an Ed25519 private key is this prefix and the 32-byte
 * seed (RFC 8410). */
static const unsigned char crypto_ed25519_pkcs8[16] = {
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20
};

struct crypto_key {
	gnutls_privkey_t priv;
	enum crypto_key_type type;
	unsigned bits;
};

void
crypto_sha256_init(struct crypto_sha256 *h)
{
	gnutls_hash_hd_t hd;

	if (gnutls_hash_init(&hd, GNUTLS_DIG_SHA256) < 0)
		xabort(__func__, "SHA-256 unavailable");
	h->hd = hd;
}

void
crypto_sha256_update(struct crypto_sha256 *h, const void *p, size_t n)
{
	if (n > 0)
		gnutls_hash((gnutls_hash_hd_t)h->hd, p, n);
}

void
crypto_sha256_final(struct crypto_sha256 *h, unsigned char out[32])
{
	gnutls_hash_deinit((gnutls_hash_hd_t)h->hd, out);
	h->hd = NULL;
}

void
crypto_sha256(const void *p, size_t n, unsigned char out[32])
{
	gnutls_hash_fast(GNUTLS_DIG_SHA256, p, n, out);
}

void
crypto_hmac_sha256(const void *key, size_t klen, const void *p, size_t n,
		   unsigned char out[32])
{
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, klen, p, n, out);
}

void
crypto_hmac_md5(const void *key, size_t klen, const void *p, size_t n,
		unsigned char out[16])
{
	gnutls_hmac_fast(GNUTLS_MAC_MD5, key, klen, p, n, out);
}

int
crypto_pbkdf2_sha256(const void *pass, size_t plen, const void *salt,
		     size_t slen, unsigned iter, unsigned char *out,
		     size_t len)
{
	gnutls_datum_t k = { (unsigned char *)pass, (unsigned)plen };
	gnutls_datum_t sl = { (unsigned char *)salt, (unsigned)slen };

	return gnutls_pbkdf2(GNUTLS_MAC_SHA256, &k, &sl, iter, out, len) < 0
		       ? -1 : 0;
}

void
crypto_random(void *p, size_t n)
{
	if (gnutls_rnd(GNUTLS_RND_NONCE, p, n) < 0)
		xabort(__func__, "no random numbers");
}

void
crypto_base64(struct buf *out, const void *data, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		buf_append_char(out, tab[v >> 18]);
		buf_append_char(out, tab[(v >> 12) & 63]);
		buf_append_char(out, tab[(v >> 6) & 63]);
		buf_append_char(out, tab[v & 63]);
	}
	if (i < n) {
		v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8
						      : 0);
		buf_append_char(out, tab[v >> 18]);
		buf_append_char(out, tab[(v >> 12) & 63]);
		buf_append_char(out, i + 1 < n ? tab[(v >> 6) & 63] : '=');
		buf_append_char(out, '=');
	}
}

static int
crypto_b64_value(char c)
{
	const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(tab, c) : NULL;

	return p ? (int)(p - tab) : -1;
}

int
crypto_unbase64(const char *s, struct buf *out)
{
	unsigned acc = 0;
	int bits = 0, v, pad = 0;
	size_t chars = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		if (pad || (v = crypto_b64_value(*s)) < 0)
			return -1;
		chars++;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_append_char(out, (char)((acc >> bits) & 0xff));
		}
	}
	/* Whole quantums only: 2 or 3 characters end a group with 2 or 1
	 * pad characters when padded; a lone character is never valid. */
	if (chars % 4 == 1 || pad > 2 || (pad && (chars + pad) % 4 != 0))
		return -1;
	return 0;
}

static int
crypto_gnutls_fail(struct err *e, enum err_class cls, const char *name,
		   int rc)
{
	err_set(e, cls, _("%s: %s"), name, gnutls_strerror(rc));
	return -1;
}

/* The key from PEM, or from a bare base64 Ed25519 seed. */
static int
crypto_import(gnutls_x509_privkey_t x, const char *data, size_t len)
{
	gnutls_datum_t d = { (unsigned char *)data, (unsigned)len };
	struct buf raw = { 0 }, der = { 0 };
	int rc;

	if (memmem(data, len, "-----BEGIN", 10) != NULL)
		return gnutls_x509_privkey_import2(x, &d, GNUTLS_X509_FMT_PEM,
						   NULL, GNUTLS_PKCS_PLAIN);
	rc = GNUTLS_E_BASE64_DECODING_ERROR;
	if (crypto_unbase64(data, &raw) == 0 && raw.len == 32) {
		buf_append(&der, crypto_ed25519_pkcs8,
			   sizeof(crypto_ed25519_pkcs8));
		buf_append(&der, raw.data, raw.len);
		d.data = (unsigned char *)der.data;
		d.size = (unsigned)der.len;
		rc = gnutls_x509_privkey_import_pkcs8(x, &d, GNUTLS_X509_FMT_DER,
						      NULL, GNUTLS_PKCS_PLAIN);
	}
	buf_wipe(&raw);
	buf_wipe(&der);
	return rc;
}

static int
crypto_wrap(gnutls_x509_privkey_t x, const char *name, struct crypto_key **key,
	    struct err *e)
{
	struct crypto_key *k;
	unsigned bits = 0;
	int alg = gnutls_x509_privkey_get_pk_algorithm2(x, &bits), rc;

	if (alg != GNUTLS_PK_RSA && alg != GNUTLS_PK_EDDSA_ED25519) {
		err_set(e, ERR_CONFIG, _("%s: only RSA and Ed25519 keys can "
					 "sign DKIM"), name);
		return -1;
	}
	if (alg == GNUTLS_PK_RSA && bits < 1024) {
		err_set(e, ERR_CONFIG, _("%s: RSA keys under 1024 bits are "
					 "refused (%u bits)"), name, bits);
		return -1;
	}
	k = xcalloc(1, sizeof(*k));
	k->type = alg == GNUTLS_PK_RSA ? CRYPTO_KEY_RSA : CRYPTO_KEY_ED25519;
	k->bits = alg == GNUTLS_PK_RSA ? bits : 256;
	gnutls_privkey_init(&k->priv);
	rc = gnutls_privkey_import_x509(k->priv, x,
					GNUTLS_PRIVKEY_IMPORT_COPY);
	if (rc < 0) {
		crypto_key_free(k);
		return crypto_gnutls_fail(e, ERR_CONFIG, name, rc);
	}
	*key = k;
	return 0;
}

int
crypto_key_parse(const char *data, size_t len, const char *name,
		 struct crypto_key **key, struct err *e)
{
	gnutls_x509_privkey_t x;
	int rc;

	*key = NULL;
	gnutls_x509_privkey_init(&x);
	rc = crypto_import(x, data, len);
	if (rc < 0) {
		gnutls_x509_privkey_deinit(x);
		err_set(e, ERR_CONFIG,
			_("%s: not a PEM RSA or Ed25519 private key, nor a "
			  "base64 Ed25519 seed (%s)"), name,
			gnutls_strerror(rc));
		return -1;
	}
	rc = crypto_wrap(x, name, key, e);
	gnutls_x509_privkey_deinit(x);
	return rc;
}

/* A key file only its owner may read; or root's that the dsmtp group (the
 * queue daemon's) may read too: root:dsmtp 0640, and nothing wider. */
static int
crypto_key_private(const struct stat *st)
{
	const struct group *g;

	if ((st->st_mode & 077) == 0)
		return 1;
	if (st->st_uid != 0 || (st->st_mode & 037) != 0)
		return 0;
	g = getgrnam(SPOOL_GROUP);
	return g != NULL && g->gr_gid == st->st_gid;
}

/* The largest key file read: a 16384-bit RSA key in PEM is 12 KiB. */
#define CRYPTO_KEY_FILE_MAX (64 * 1024)

int
crypto_key_load(const char *path, struct crypto_key **key, struct err *e)
{
	struct buf data = { 0 };
	struct stat st;
	enum file_result r;
	int rc = -1;

	*key = NULL;
	r = file_read(path, 0, CRYPTO_KEY_FILE_MAX, &data, &st);
	if (r == FILE_MISSING || r == FILE_ERRNO)
		err_set(e, ERR_CONFIG, _("cannot read key %s: %s"), path,
			strerror(r == FILE_MISSING ? ENOENT : errno));
	else if (r != FILE_OK)
		file_fail(e, ERR_CONFIG, path, r, CRYPTO_KEY_FILE_MAX);
	else if (!crypto_key_private(&st))
		err_set(e, ERR_NOPERM, _("key %s must not be readable by group "
					 "or others (chmod 600)"), path);
	else
		rc = crypto_key_parse(buf_cstr(&data), data.len, path, key, e);
	buf_wipe(&data);
	return rc;
}

void
crypto_key_free(struct crypto_key *key)
{
	if (key == NULL)
		return;
	if (key->priv != NULL)
		gnutls_privkey_deinit(key->priv);
	free(key);
}

enum crypto_key_type
crypto_key_type(const struct crypto_key *key)
{
	return key->type;
}

unsigned
crypto_key_bits(const struct crypto_key *key)
{
	return key->bits;
}

int
crypto_dkim_sign(struct crypto_key *key, const void *data, size_t len,
		 struct buf *sig, struct err *e)
{
	unsigned char digest[CRYPTO_SHA256_LEN];
	gnutls_datum_t in = { (unsigned char *)data, (unsigned)len }, out;
	gnutls_sign_algorithm_t alg = GNUTLS_SIGN_RSA_SHA256;
	int rc;

	if (key->type == CRYPTO_KEY_ED25519) {
		gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, digest);
		in.data = digest;
		in.size = sizeof(digest);
		alg = GNUTLS_SIGN_EDDSA_ED25519;
	}
	rc = gnutls_privkey_sign_data2(key->priv, alg, 0, &in, &out);
	if (rc < 0)
		return crypto_gnutls_fail(e, ERR_SOFTWARE, "DKIM", rc);
	buf_append(sig, out.data, out.size);
	gnutls_free(out.data);
	return 0;
}

int
crypto_key_dns(struct crypto_key *key, struct buf *out, struct err *e)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t d = { NULL, 0 };
	int rc;

	gnutls_pubkey_init(&pub);
	rc = gnutls_pubkey_import_privkey(pub, key->priv, 0, 0);
	if (rc == 0 && key->type == CRYPTO_KEY_ED25519)
		rc = gnutls_pubkey_export_ecc_raw(pub, NULL, &d, NULL);
	else if (rc == 0)
		rc = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d);
	gnutls_pubkey_deinit(pub);
	if (rc < 0)
		return crypto_gnutls_fail(e, ERR_SOFTWARE, "DKIM", rc);
	crypto_base64(out, d.data, d.size);
	gnutls_free(d.data);
	return 0;
}

/* fsync the directory that holds path, so that its new name lasts. */
static int
crypto_sync_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd, rc;

	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	fd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY |
						 O_CLOEXEC);
	rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

/* Create path (mode 0600, never replacing a file) holding the n octets
 * at p, whole or not at all: written under a temporary name in the same
 * directory, synced, then linked to path (a rename that cannot replace)
 * and the directory synced. -1 with errno set; the temporary name never
 * stays, and path appears only complete. */
static int
crypto_write_new(const char *path, const unsigned char *p, size_t n)
{
	char *tmp = xasprintf("%s.tmpXXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC), rc = -1, saved;

	if (fd < 0) {
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0600) == 0 && file_write_all(fd, p, n) == 0 &&
	    fsync(fd) == 0 && close(fd) == 0) {
		fd = -1;
		if (link(tmp, path) == 0)
			rc = crypto_sync_dir(path);
	}
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
	return rc;
}

int
crypto_keygen(enum crypto_key_type type, unsigned bits, const char *path,
	      struct crypto_key **key, struct err *e)
{
	gnutls_x509_privkey_t x;
	gnutls_datum_t pem = { NULL, 0 };
	int rc;

	if (type == CRYPTO_KEY_RSA && bits < 1024) {
		err_set(e, ERR_CONFIG, _("%s: RSA keys under 1024 bits are "
					 "refused (%u bits)"), path, bits);
		return -1;
	}
	gnutls_x509_privkey_init(&x);
	rc = gnutls_x509_privkey_generate(
		x, type == CRYPTO_KEY_RSA ? GNUTLS_PK_RSA
					  : GNUTLS_PK_EDDSA_ED25519,
		type == CRYPTO_KEY_RSA ? bits : 256, 0);
	if (rc == 0)
		rc = gnutls_x509_privkey_export2_pkcs8(
			x, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &pem);
	if (rc < 0) {
		gnutls_x509_privkey_deinit(x);
		return crypto_gnutls_fail(e, ERR_SOFTWARE, path, rc);
	}
	if (crypto_write_new(path, pem.data, pem.size) < 0) {
		err_set(e, ERR_CANTCREAT, _("cannot write key %s: %s"), path,
			strerror(errno));
		rc = -1;
	}
	xwipe(pem.data, pem.size);
	gnutls_free(pem.data);
	if (rc == 0)
		rc = crypto_wrap(x, path, key, e);
	gnutls_x509_privkey_deinit(x);
	return rc < 0 ? -1 : 0;
}
