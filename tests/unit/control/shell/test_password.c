/* SPDX-License-Identifier: BSD-3-Clause */
/* Shell password hashes (control/shell/password.c): PBKDF2-HMAC-SHA256 golden value, verify, format. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shell/password.h"

#define GOLDEN_KEY "4efb2bbb6d2eb58ea8deaed54417ae2fd87fd50a8a8568709363da60d4560606"

static const uint8_t salt[PASSWORD_SALT_LEN] = { 0, 1, 2,  3,  4,  5,  6,  7,
						 8, 9, 10, 11, 12, 13, 14, 15 };

START_TEST(hash_golden)
{
	char out[PASSWORD_HASH_LEN];
	/* Independent value: python3 hashlib.pbkdf2_hmac('sha256', b'secret', bytes(range(16)), 1000) */
	ck_assert_int_eq(password_hash("secret", salt, 1000, out), 0);
	ck_assert_str_eq(out, "pbkdf2-sha256$1000$000102030405060708090a0b0c0d0e0f$" GOLDEN_KEY);
}
END_TEST

START_TEST(verify_roundtrip)
{
	char out[PASSWORD_HASH_LEN];
	ck_assert_int_eq(password_hash("op-secret", salt, 2000, out), 0);
	ck_assert(password_hash_is_valid(out));
	ck_assert(password_verify("op-secret", out));
	ck_assert(!password_verify("op-secreT", out));
	ck_assert(!password_verify("", out));
	ck_assert(!password_verify(NULL, out));
}
END_TEST

START_TEST(iterations_bounded)
{
	char out[PASSWORD_HASH_LEN];
	ck_assert_int_lt(password_hash("x", salt, PASSWORD_ITER_MIN - 1, out), 0);
	ck_assert_int_lt(password_hash("x", salt, PASSWORD_ITER_MAX + 1, out), 0);
}
END_TEST

/* Malformed hash strings are refused by is_valid and never verify. */
static const char *const bad_hashes[] = {
	"",
	"secret",
	"pbkdf2-sha1$1000$000102030405060708090a0b0c0d0e0f$" GOLDEN_KEY,
	"pbkdf2-sha256$999$000102030405060708090a0b0c0d0e0f$" GOLDEN_KEY,
	"pbkdf2-sha256$01000$000102030405060708090a0b0c0d0e0f$" GOLDEN_KEY,
	"pbkdf2-sha256$1000$000102030405060708090a0b0c0d0e$" GOLDEN_KEY,
	"pbkdf2-sha256$1000$000102030405060708090A0B0C0D0E0F$" GOLDEN_KEY,
	"pbkdf2-sha256$1000$000102030405060708090a0b0c0d0e0f$" GOLDEN_KEY "00",
	"pbkdf2-sha256$1000$000102030405060708090a0b0c0d0e0f$",
	"pbkdf2-sha256$1000$000102030405060708090a0b0c0d0e0f",
	"pbkdf2-sha256$$000102030405060708090a0b0c0d0e0f$" GOLDEN_KEY,
	"pbkdf2-sha256$99999999999$000102030405060708090a0b0c0d0e0f$" GOLDEN_KEY,
};

START_TEST(malformed_refused)
{
	ck_assert_msg(!password_hash_is_valid(bad_hashes[_i]), "accepted: %s", bad_hashes[_i]);
	ck_assert(!password_verify("secret", bad_hashes[_i]));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("password");
	TCase *tc = tcase_create("pbkdf2");
	tcase_add_test(tc, hash_golden);
	tcase_add_test(tc, verify_roundtrip);
	tcase_add_test(tc, iterations_bounded);
	tcase_add_loop_test(tc, malformed_refused, 0, sizeof(bad_hashes) / sizeof(bad_hashes[0]));
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
