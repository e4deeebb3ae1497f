/* crypto.h - hashing, signing keys, base64 (GnuTLS) */
#ifndef DSMTP_CRYPTO_H
#define DSMTP_CRYPTO_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define CRYPTO_SHA256_LEN 32

enum crypto_key_type {
	CRYPTO_KEY_RSA,
	CRYPTO_KEY_ED25519
};

/* A private signing key; opaque. */
struct crypto_key;

/* A running SHA-256. */
struct crypto_sha256 {
	void *hd;
};

void crypto_sha256_init(struct crypto_sha256 *h);
void crypto_sha256_update(struct crypto_sha256 *h, const void *p, size_t n);
/* Write the digest to out and release the state. */
void crypto_sha256_final(struct crypto_sha256 *h,
			 unsigned char out[CRYPTO_SHA256_LEN]);

/* One-shot digests and MACs for SASL. */
void crypto_sha256(const void *p, size_t n, unsigned char out[32]);
void crypto_hmac_sha256(const void *key, size_t klen, const void *p,
			size_t n, unsigned char out[32]);
void crypto_hmac_md5(const void *key, size_t klen, const void *p, size_t n,
		     unsigned char out[16]);
/* PBKDF2 with HMAC-SHA-256 into out[len]; -1 on failure. */
int crypto_pbkdf2_sha256(const void *pass, size_t plen, const void *salt,
			 size_t slen, unsigned iter, unsigned char *out,
			 size_t len);
/* Fill p with n random bytes (a nonce). */
void crypto_random(void *p, size_t n);

/* Append the base64 (RFC 4648, padded, one line) of p to out. */
void crypto_base64(struct buf *out, const void *p, size_t n);
/* Decode base64 (whitespace ignored) into out; -1 when invalid. */
int crypto_unbase64(const char *s, struct buf *out);

/* Load a private key from a file: PEM PKCS#8 (RSA or Ed25519), PEM
 * PKCS#1 RSA, or the base64 of a raw 32-byte Ed25519 seed. The file must
 * not be readable by group or others (ERR_NOPERM); RSA keys under 1024
 * bits are refused (ERR_CONFIG). *key is released with crypto_key_free. */
int crypto_key_load(const char *path, struct crypto_key **key,
		    struct err *e);
/* The same from memory; name is used in messages. */
int crypto_key_parse(const char *data, size_t len, const char *name,
		     struct crypto_key **key, struct err *e);
void crypto_key_free(struct crypto_key *key);
enum crypto_key_type crypto_key_type(const struct crypto_key *key);
/* Size in bits (256 for Ed25519). */
unsigned crypto_key_bits(const struct crypto_key *key);

/* Sign for DKIM: RSA keys make RSASSA-PKCS1-v1_5 with SHA-256 over data;
 * Ed25519 keys sign the SHA-256 digest of data (RFC 8463). The raw
 * signature is appended to sig. Returns 0 or -1 with e set. */
int crypto_dkim_sign(struct crypto_key *key, const void *data, size_t len,
		     struct buf *sig, struct err *e);

/* The public key as DKIM publishes it in p= (RSA: DER
 * SubjectPublicKeyInfo; Ed25519: the raw 32 bytes), base64, appended to
 * out. */
int crypto_key_dns(struct crypto_key *key, struct buf *out, struct err *e);

/* Make a new key (RSA of bits, or Ed25519) and write it as PEM PKCS#8 to
 * path, created with mode 0600 and never overwriting. *key receives it. */
int crypto_keygen(enum crypto_key_type type, unsigned bits, const char *path,
		  struct crypto_key **key, struct err *e);

#endif
