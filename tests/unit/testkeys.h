/* testkeys.h - private keys shared by the unit tests (made for the tests,
 * never used anywhere else). Include once per test program. */
#ifndef DSMTP_TESTKEYS_H
#define DSMTP_TESTKEYS_H

/* A 2048-bit RSA key as PKCS#8, and its SubjectPublicKeyInfo (base64). */
static const char rsa2048_pkcs8[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDPVTQlIYza1K14\n"
	"mWYjCN+reElkdhic0u3Fn4KwySDYeU/JxPLBNwFD4mn1mFc5JKTBHK74OM0SFFjR\n"
	"hWXsDg+e0zBSb278Kc4BMEuWUjyEI02aS2HNIVDh2BzxJwVpH5dO5UdY/RaW0cOa\n"
	"S1IN/nUXuPs5DRIen0NJDqk+mTrQJiio34HxI6B6kaSsFB1/wz/bJ6nPxi3XHeIe\n"
	"nE9lxZ42bcOpkkthhrjpARTyaPGCODm5ndgdKbb+Y0NQlz4ZDdCpKff1QKGTqDwB\n"
	"moFQEj11FfFXuXOPtO4TGbb+Nt0fwsNbhEJUwT9HzFX5fzJAXSQi+dQbB6+nvbGA\n"
	"7Z0YM8IjAgMBAAECggEBALrTjUR0Qgeio5pLqFSjl2Fc582F+VG/ZBCzVsHUyysl\n"
	"zXcEaLcgyJwSNube2qIcWfXF0gjMrkW/XfWXHiui1AKLTTzLOxgw13gMu9/9xJhR\n"
	"c4k4qi18+vQ3mITZY6/BjsfCJROUI7nN1VOA0bTYeUziHEbhd1Vur+PyOSG2U9/h\n"
	"Ef8yeUurAIOgqGdroau0wB0UclirnsoA5d9rOdzp0FPWBATTNJ5ISs+sG9kP0prv\n"
	"7N1cqLwEpORPARUbaIDTKk2xl31BISY0mwwxvGKoB1OwxFe69j6AZxPGlCt3+YS/\n"
	"reFJjvH6+7lSD4BpYQyZoChbfLLUlSqFsBNd844wotECgYEA02bufpS9rWhipPkT\n"
	"WmKlTmGVyJscAVMbnPBh+n7NZuQtTb1svT2oXFWKHyp+XeCr0X0fB3WDSXIEfwM8\n"
	"rWLE2jQcEeZntxCWfYhudRIkd39WNH2fKANQnReH1O7FKdkIGiQOtPsJbn34HW4z\n"
	"6EitjVOrysZxAlX6dueS2BqG1PsCgYEA+xKBqMpV3bbhWwTOuTlp5Gj8e5Xjk0BG\n"
	"2Xx6O1fB7JsSsEjSjD96bYRjWu+hUU62zt+c1Yh4uH7OfVR7jTIF5XKSIYVkbhof\n"
	"Ffzt4dpnyN2XBhax+Y9EeCcHdb0UYc58VJphczQ/Qf58iNEH5D+J+dHnKwQQ2UVa\n"
	"MM99PKkkrvkCgYA93L8p14jx97v2HtUk+/z3xOK6A3ncgV9xO37QeM7OrzL6rtXl\n"
	"QufDrVxv5lV4T0i4Uu8DlcXHdlAOgvn8mwyT9e/I5S2winAfaA86vwZg2ah2T9SF\n"
	"NwMeFUawbvbPWi1eyPJsz5Fg/gffROJ3tNzkoHmDKzLixho3NWjpSEnwhQKBgQCX\n"
	"PIWX3BGvFTtYLWQs1LXBnbAA7cAA8iX7WezzFCC/WoX+ZE9XpeEkWSvUGiaNKKIb\n"
	"qTz6r1Mwp0nQ2vP1kF1W4hW+VXCylc+F2i6c7oe3yirvwvn//tnamn/23yeI5u2j\n"
	"tL7gu2cjZJ01eNyNE+0T6+mY0sEnb4wtfL7OrIBpWQKBgFIM/dSPJ585twuqVcHN\n"
	"u4p0L/c1/wll2n4qkx8E9mECaJ+G1oZieQZuX1bLjeJ4ygN/RHUWu3mKIxmO2ab+\n"
	"/NhjUUwrnUs2A/YKTbPX+n4x55ew17AwwA3iF9hmRd0Uet9sHYI6SaR/ZTOi5Qbe\n"
	"61+y9hwDLRLX9mPsx7vthITC\n"
	"-----END PRIVATE KEY-----\n";

static const char rsa2048_spki[] =
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAz1U0JSGM2tSteJlmIwjfq3hJ"
	"ZHYYnNLtxZ+CsMkg2HlPycTywTcBQ+Jp9ZhXOSSkwRyu+DjNEhRY0YVl7A4PntMwUm9u"
	"/CnOATBLllI8hCNNmkthzSFQ4dgc8ScFaR+XTuVHWP0WltHDmktSDf51F7j7OQ0SHp9D"
	"SQ6pPpk60CYoqN+B8SOgepGkrBQdf8M/2yepz8Yt1x3iHpxPZcWeNm3DqZJLYYa46QEU"
	"8mjxgjg5uZ3YHSm2/mNDUJc+GQ3QqSn39UChk6g8AZqBUBI9dRXxV7lzj7TuExm2/jbd"
	"H8LDW4RCVME/R8xV+X8yQF0kIvnUGwevp72xgO2dGDPCIwIDAQAB";

/* An Ed25519 key as PKCS#8. */
static const char ed_pkcs8[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
	"-----END PRIVATE KEY-----\n";

#endif
