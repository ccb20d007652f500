/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the shell's input filter, common/mgmt/shell_input.c: every
 * input is fed byte by byte through one session's filter for each of a few
 * line limits, and the target aborts when the editor would be handed
 * something the filter's contract (shell_input.h) rules out:
 *  - a byte other than printable ASCII, CR or one of the editing keys the
 *    editor knows (never LF, NUL, >= 0x80 or a telnet command);
 *  - more than SHELL_INPUT_OUT_MAX bytes for one input byte;
 *  - a refused line that does not end in ^U CR, or a refusal reason
 *    reported anywhere but on the byte that ended the line;
 *  - a line the editor holds that is longer than the limit, under any
 *    sequence of editing keys. The editor is modelled with its cursor:
 *    printable bytes insert, ^H/DEL delete before the cursor, ^A ^E ^B ^F
 *    and ESC [ C/D move it, ^U erases, ^K cuts at the cursor; where a key's
 *    effect is not known exactly the model takes the worst case for the
 *    length: ^W ^C ^D delete nothing, a history recall (^P ^N, ESC [ A/B)
 *    brings back the longest line accepted so far, a completion adds
 *    SHELL_INPUT_COMPLETION_MAX bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/shell_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CTRL(c) ((uint8_t)((c)&0x1f))

static const uint32_t max_lines[] = { 0, 1, 7, 80, 255, 4096 };

static bool is_editing_key(uint8_t c)
{
	static const char keys[] = "ABCDEFHIKLNPUWZ";

	if (c == 27 || c == 127)
		return true;
	for (const char *k = keys; *k; k++)
		if (c == CTRL(*k))
			return true;
	return false;
}

/* What the editor holds of the current line, worst case for its length. */
struct line_model {
	uint32_t len, cursor;
	uint32_t longest; /* longest line accepted: what a recall brings back */
	uint8_t esc; /* 0, 1 after ESC, 2 after ESC [ */
};

static void model_key(struct line_model *m, uint8_t c)
{
	switch (c) {
	case CTRL('H'):
	case 127:
		if (m->cursor) {
			m->cursor--;
			m->len--;
		}
		break;
	case CTRL('A'): m->cursor = 0; break;
	case CTRL('E'): m->cursor = m->len; break;
	case CTRL('B'):
		if (m->cursor)
			m->cursor--;
		break;
	case CTRL('F'):
		if (m->cursor < m->len)
			m->cursor++;
		break;
	case CTRL('U'): m->len = m->cursor = 0; break;
	case CTRL('K'): m->len = m->cursor; break;
	case CTRL('P'):
	case CTRL('N'): m->len = m->cursor = m->longest; break;
	case CTRL('I'):
		m->len += SHELL_INPUT_COMPLETION_MAX;
		m->cursor += SHELL_INPUT_COMPLETION_MAX;
		break;
	default: break; /* ^C ^D ^L ^W ^Z: the line stays as long */
	}
}

static void model_byte(struct line_model *m, uint8_t c, uint32_t max_line)
{
	uint8_t esc = m->esc;

	m->esc = 0;
	if (c == '\r') {
		if (m->len > m->longest)
			m->longest = m->len; /* a refused line arrives here erased (^U) */
		m->len = m->cursor = 0;
		return;
	}
	if (c >= 0x20 && c < 0x7f) {
		if (esc == 1 && c == '[') {
			m->esc = 2;
			return;
		}
		if (esc == 2) {
			/* The editor takes ESC [ X as one key, not as text. */
			model_key(m, c == 'A' || c == 'B' ? CTRL('P')
				     : c == 'C'		  ? CTRL('F')
				     : c == 'D'		  ? CTRL('B')
							  : 0);
		} else {
			m->len++;
			m->cursor++;
		}
	} else if (c == 27) {
		m->esc = 1;
	} else if (is_editing_key(c)) {
		model_key(m, c);
	} else {
		abort(); /* a byte the editor must never see */
	}
	if (m->len > max_line)
		abort();
}

static void run(const uint8_t *data, size_t size, uint32_t max_line)
{
	struct shell_input in;
	struct line_model m = { 0 };

	shell_input_init(&in, max_line);
	for (size_t i = 0; i < size; i++) {
		uint8_t out[SHELL_INPUT_OUT_MAX + 1];
		enum shell_input_reject why = (enum shell_input_reject) - 1;

		memset(out, 0xee, sizeof(out));
		size_t n = shell_input_feed(&in, data[i], out, &why);
		if (n > SHELL_INPUT_OUT_MAX || out[SHELL_INPUT_OUT_MAX] != 0xee)
			abort();
		if (why != SHELL_INPUT_OK && why != SHELL_INPUT_TOO_LONG &&
		    why != SHELL_INPUT_CONTROL_BYTE)
			abort();
		if (!shell_input_reject_name(why) || shell_input_reject_name(why)[0] == '?')
			abort();
		/* A refusal comes with the line's end: ^U (erase) then CR, nothing else. */
		if (why != SHELL_INPUT_OK && (n != 2 || out[0] != CTRL('U') || out[1] != '\r'))
			abort();
		/* A line ends only on CR; a CR is always last and ends the line. */
		for (size_t k = 0; k + 1 < n; k++)
			if (out[k] == '\r')
				abort();
		if (n == 2 && out[0] != CTRL('U'))
			abort();
		for (size_t k = 0; k < n; k++)
			model_byte(&m, out[k], max_line);
		if (in.len > max_line)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < sizeof(max_lines) / sizeof(max_lines[0]); i++)
		run(data, size, max_lines[i]);
	/* And a limit taken from the input, so every length is a boundary somewhere. */
	if (size)
		run(data + 1, size - 1, data[0]);
	return 0;
}
