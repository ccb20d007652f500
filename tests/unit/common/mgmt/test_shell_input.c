/* SPDX-License-Identifier: BSD-3-Clause */
/* Shell line-input filter (common/mgmt/shell_input.c): what reaches the editor, table-driven. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/shell_input.h"

struct input_case {
	const char *name;
	const char *in; /* bytes from the client */
	size_t in_len; /* 0: strlen(in) */
	const char *out; /* bytes the editor gets */
	size_t out_len; /* 0: strlen(out) */
	enum shell_input_reject reject; /* last refusal reported */
	unsigned rejects; /* refusals reported */
	uint32_t limit; /* max_line; 0: 8 */
};

#define IAC "\xff"
static const struct input_case cases[] = {
	{ "plain CR", "sh ver\r", 0, "sh ver\r", 0, SHELL_INPUT_OK, 0 },
	{ "CR LF is one line end", "a\r\nb\r\n", 0, "a\rb\r", 0, SHELL_INPUT_OK, 0 },
	{ "CR NUL (telnet)", "a\r\0b\r", 6, "a\rb\r", 0, SHELL_INPUT_OK, 0 },
	{ "bare LF (nc)", "a\nb\n", 0, "a\rb\r", 0, SHELL_INPUT_OK, 0 },
	{ "telnet negotiation dropped",
	  IAC "\xfb\x01" IAC "\xfd\x03"
	      "ab\r",
	  0, "ab\r", 0, SHELL_INPUT_OK, 0 },
	{ "telnet subnegotiation dropped",
	  IAC "\xfa\x1f\x00\x50\x00\x18" IAC "\xf0"
	      "x\r",
	  11, "x\r", 0, SHELL_INPUT_OK, 0 },
	{ "editing keys pass", "ab\x7f\x08\x15\t?\x1b[A\r", 0, "ab\x7f\x08\x15\t?\x1b[A\r", 0,
	  SHELL_INPUT_OK, 0, 40 },
	{ "control byte refuses the line", "sh\x07ow\r", 0, "sh\x15\r", 0, SHELL_INPUT_CONTROL_BYTE,
	  1 },
	{ "high byte refuses the line", "sh\xc3\xa9\r", 0, "sh\x15\r", 0, SHELL_INPUT_CONTROL_BYTE,
	  1 },
	{ "IAC IAC (data 255) refused", "a" IAC IAC "\r", 0, "a\x15\r", 0, SHELL_INPUT_CONTROL_BYTE,
	  1 },
	{ "next line is clean again", "\x01\x02\x00\x07\rok\r", 8, "\x01\x02\x15\rok\r", 0,
	  SHELL_INPUT_CONTROL_BYTE, 1 },
	{ "line at the limit passes", "12345678\r", 0, "12345678\r", 0, SHELL_INPUT_OK, 0 },
	{ "line over the limit refused", "123456789\r", 0, "12345678\x15\r", 0,
	  SHELL_INPUT_TOO_LONG, 1 },
	{ "backspace makes room",
	  "12345678\x7f"
	  "9\r",
	  0,
	  "12345678\x7f"
	  "9\r",
	  0, SHELL_INPUT_OK, 0 },
	/*
	 * Editing keys never make room they may not have made: once the cursor
	 * may have left the end of the line, a deletion may delete nothing.
	 */
	{ "home then DEL makes no room", "abcdefgh\x01\x7fx\x01\x7fx\r", 0,
	  "abcdefgh\x01\x7f\x15\r", 0, SHELL_INPUT_TOO_LONG, 1 },
	{ "arrow left then DEL makes no room", "abcdef\x1b[D\x7fx\r", 0, "abcdef\x1b[D\x7f\x15\r",
	  0, SHELL_INPUT_TOO_LONG, 1 },
	{ "^U after cursor keys counts exactly again",
	  "ab\x01\x15"
	  "12345678\r",
	  0,
	  "ab\x01\x15"
	  "12345678\r",
	  0, SHELL_INPUT_OK, 0 },
	{ "history recall counts as the longest line", "123456\rab\x10x\r", 0, "123456\rab\x10x\r",
	  0, SHELL_INPUT_OK, 0 },
	{ "history recall then typing past the limit", "1234567\r\x10xy\r", 0,
	  "1234567\r\x10x\x15\r", 0, SHELL_INPUT_TOO_LONG, 1 },
	{ "arrow up is a recall too", "12345678\r\x1b[Ax\r", 0, "12345678\r\x1b[A\x15\r", 0,
	  SHELL_INPUT_TOO_LONG, 1 },
	{ "Tab counts as a whole completion", "ab\t\r", 0, "ab\x15\r", 0, SHELL_INPUT_TOO_LONG, 1 },
	{ "Tab within a long limit", "sh\tver\t\r", 0, "sh\tver\t\r", 0, SHELL_INPUT_OK, 0, 80 },
};

START_TEST(input_table)
{
	const struct input_case *c = &cases[_i];
	struct shell_input in;
	uint8_t out[256], tmp[SHELL_INPUT_OUT_MAX];
	size_t n = 0, in_len = c->in_len ? c->in_len : strlen(c->in);
	size_t out_len = c->out_len ? c->out_len : strlen(c->out);
	enum shell_input_reject last = SHELL_INPUT_OK;
	unsigned rejects = 0;

	shell_input_init(&in, c->limit ? c->limit : 8);
	for (size_t i = 0; i < in_len; i++) {
		enum shell_input_reject why;
		size_t m = shell_input_feed(&in, (uint8_t)c->in[i], tmp, &why);
		ck_assert_uint_le(m, SHELL_INPUT_OUT_MAX);
		memcpy(out + n, tmp, m);
		n += m;
		if (why != SHELL_INPUT_OK) {
			last = why;
			rejects++;
		}
	}
	ck_assert_msg(n == out_len && memcmp(out, c->out, n) == 0, "%s: output differs", c->name);
	ck_assert_int_eq(last, c->reject);
	ck_assert_uint_eq(rejects, c->rejects);
}
END_TEST

/* A flood without line ends never grows what the editor holds past the limit. */
START_TEST(flood_bounded)
{
	struct shell_input in;
	uint8_t tmp[SHELL_INPUT_OUT_MAX];
	size_t forwarded = 0;
	enum shell_input_reject why;

	shell_input_init(&in, 64);
	for (int i = 0; i < 100000; i++)
		forwarded += shell_input_feed(&in, 'x', tmp, &why);
	ck_assert_uint_eq(forwarded, 64);
	ck_assert_uint_eq(shell_input_feed(&in, '\r', tmp, &why), 2);
	ck_assert_int_eq(why, SHELL_INPUT_TOO_LONG);
	ck_assert_str_eq(shell_input_reject_name(SHELL_INPUT_TOO_LONG), "line too long");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shell_input");
	TCase *tc = tcase_create("filter");
	tcase_add_loop_test(tc, input_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, flood_bounded);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
