/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt/shell_input.h"

/* RFC 854 command bytes. */
#define TN_IAC 255
#define TN_SB 250
#define TN_SE 240
#define TN_WILL 251
#define TN_DONT 254

#define CTRL(c) ((uint8_t)((c)&0x1f))

enum telnet_state {
	TS_DATA = 0,
	TS_IAC, /* saw IAC */
	TS_OPTION, /* saw IAC WILL/WONT/DO/DONT: one option byte follows */
	TS_SB, /* inside a subnegotiation */
	TS_SB_IAC, /* IAC inside a subnegotiation */
};

void shell_input_init(struct shell_input *in, uint32_t max_line)
{
	*in = (struct shell_input){ .max_line = max_line, .cursor_at_end = true };
}

const char *shell_input_reject_name(enum shell_input_reject r)
{
	switch (r) {
	case SHELL_INPUT_OK: return "ok";
	case SHELL_INPUT_TOO_LONG: return "line too long";
	case SHELL_INPUT_CONTROL_BYTE: return "control byte in line";
	}
	return "?";
}

/* Editing keys the editor acts on (see libcli cli_loop). */
static bool is_editing_key(uint8_t c)
{
	switch (c) {
	case CTRL('A'):
	case CTRL('B'):
	case CTRL('C'):
	case CTRL('D'):
	case CTRL('E'):
	case CTRL('F'):
	case CTRL('H'):
	case CTRL('I'):
	case CTRL('K'):
	case CTRL('L'):
	case CTRL('N'):
	case CTRL('P'):
	case CTRL('U'):
	case CTRL('W'):
	case CTRL('Z'):
	case 27: /* ESC [ A..D: arrows */
	case 127: return true;
	default: return false;
	}
}

static size_t end_line(struct shell_input *in, uint8_t out[SHELL_INPUT_OUT_MAX],
		       enum shell_input_reject *rejected)
{
	size_t n = 0;

	if (in->reject != SHELL_INPUT_OK) {
		out[n++] = CTRL('U'); /* erase what the editor holds of the line */
		*rejected = in->reject;
	} else if (in->len > in->longest) {
		in->longest = in->len;
	}
	out[n++] = '\r';
	in->len = 0;
	in->reject = SHELL_INPUT_OK;
	in->esc = 0;
	in->cursor_at_end = true;
	return n;
}

/* The line may have grown to n bytes: refuse it past the limit. */
static void grow_to(struct shell_input *in, uint32_t n)
{
	if (n > in->max_line)
		in->reject = SHELL_INPUT_TOO_LONG;
	else if (n > in->len)
		in->len = n;
}

/* An editing key: what it may do to the editor's line, as an upper bound. */
static void account_key(struct shell_input *in, uint8_t c)
{
	switch (c) {
	case CTRL('H'):
	case 127:
		if (in->cursor_at_end && in->len)
			in->len--;
		break;
	case CTRL('U'):
		in->len = 0;
		in->cursor_at_end = true;
		break;
	case CTRL('P'):
	case CTRL('N'): /* history: the line becomes one accepted before */
		in->cursor_at_end = false;
		grow_to(in, in->longest);
		break;
	case CTRL('I'): /* completion */
		in->cursor_at_end = false;
		grow_to(in, in->len + SHELL_INPUT_COMPLETION_MAX);
		break;
	case CTRL('A'):
	case CTRL('B'):
	case CTRL('E'):
	case CTRL('F'): in->cursor_at_end = false; break;
	default: break; /* ^C ^D ^K ^L ^W ^Z shrink the line or leave it */
	}
}

size_t shell_input_feed(struct shell_input *in, uint8_t c, uint8_t out[SHELL_INPUT_OUT_MAX],
			enum shell_input_reject *rejected)
{
	bool after_cr = in->after_cr;

	*rejected = SHELL_INPUT_OK;
	in->after_cr = false;
	switch (in->telnet) {
	case TS_IAC:
		if (c == TN_IAC) {
			in->telnet = TS_DATA;
			break; /* IAC IAC is a data byte 255: refused below */
		}
		in->telnet = c == TN_SB			    ? TS_SB
			     : c >= TN_WILL && c <= TN_DONT ? TS_OPTION
							    : TS_DATA;
		return 0;
	case TS_OPTION: in->telnet = TS_DATA; return 0;
	case TS_SB: in->telnet = c == TN_IAC ? TS_SB_IAC : TS_SB; return 0;
	case TS_SB_IAC: in->telnet = c == TN_SE ? TS_DATA : TS_SB; return 0;
	default:
		if (c == TN_IAC) {
			in->telnet = TS_IAC;
			return 0;
		}
	}

	if (c == '\r') {
		in->after_cr = true;
		return end_line(in, out, rejected);
	}
	if (c == '\n' || c == '\0')
		return after_cr || c == '\0' ? 0 : end_line(in, out, rejected);
	if (in->reject != SHELL_INPUT_OK)
		return 0; /* the rest of a refused line goes nowhere */
	if (c >= 0x20 && c < 0x7f) {
		/* ESC [ A/B recall history, ESC [ C/D move the cursor (the bytes count too). */
		uint8_t esc = in->esc;
		in->esc = esc == 1 && c == '[' ? 2 : 0;
		if (in->len >= in->max_line) {
			in->reject = SHELL_INPUT_TOO_LONG;
			return 0;
		}
		in->len++;
		if (esc == 2 && (c == 'A' || c == 'B'))
			account_key(in, CTRL('P'));
		else if (esc == 2 && (c == 'C' || c == 'D'))
			account_key(in, CTRL('F'));
		if (in->reject != SHELL_INPUT_OK)
			return 0;
		out[0] = c;
		return 1;
	}
	if (is_editing_key(c)) {
		in->esc = c == 27 ? 1 : 0;
		account_key(in, c);
		if (in->reject != SHELL_INPUT_OK)
			return 0;
		out[0] = c;
		return 1;
	}
	in->reject = SHELL_INPUT_CONTROL_BYTE;
	return 0;
}
