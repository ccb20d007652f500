/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the shell lets through from a client socket to the command line
 * editor, byte by byte. The editor (libcli) ends a line only on CR, keeps
 * any byte it does not know as part of the command and silently truncates
 * a long line before running it; this filter sits in front of it so that
 *  - a line ends on CR, CR LF, CR NUL or a bare LF (plain nc sends LF);
 *  - telnet commands and option negotiation (IAC ...) never reach it;
 *  - the editing keys it understands pass (^A ^B ^D ^E ^F ^H ^K ^L ^N ^P
 *    ^U ^W ^Z, TAB, ESC for arrows, DEL, ^C);
 *  - a line holding any other control byte or byte >= 0x80, or longer than
 *    the limit, is rejected as a whole: the editor gets ^U (erase line) and
 *    CR, so nothing of it runs, and the caller is told why.
 * The length the filter keeps is an upper bound of what the editor holds,
 * never an estimate: a deletion counts only while the cursor is known to
 * be at the end of the line (no cursor key, history recall or completion
 * since the line began or was erased with ^U); a recalled history line
 * counts as the longest line accepted so far, a completion as
 * SHELL_INPUT_COMPLETION_MAX bytes. So no sequence of editing keys can
 * build a line longer than the limit.
 * Pure; one struct per session, owned by that session's thread.
 */
#ifndef LW_SHELL_INPUT_H
#define LW_SHELL_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHELL_INPUT_OUT_MAX 2 /* bytes one input byte can turn into */
#define SHELL_INPUT_COMPLETION_MAX 32 /* bytes a Tab completion may add, at most */

enum shell_input_reject {
	SHELL_INPUT_OK = 0,
	SHELL_INPUT_TOO_LONG, /* more printable bytes than max_line */
	SHELL_INPUT_CONTROL_BYTE, /* a byte the editor must not see */
};

struct shell_input {
	uint32_t max_line; /* printable bytes per line */
	uint32_t len; /* upper bound of the printable bytes in the editor's line */
	uint32_t longest; /* longest line accepted: what a history recall may bring back */
	enum shell_input_reject reject; /* why the current line will be refused */
	uint8_t telnet; /* IAC parser state */
	uint8_t esc; /* 0, 1 after ESC, 2 after ESC [ */
	bool after_cr;
	bool cursor_at_end; /* deletions may be counted */
};

/* Start a session's filter with a line limit. */
void shell_input_init(struct shell_input *in, uint32_t max_line);

/*
 * Feed one byte from the client. Writes the bytes to hand to the editor
 * into out and returns how many (0..SHELL_INPUT_OUT_MAX). *rejected is set
 * to the reason when this byte ended a refused line, else SHELL_INPUT_OK.
 */
size_t shell_input_feed(struct shell_input *in, uint8_t c, uint8_t out[SHELL_INPUT_OUT_MAX],
			enum shell_input_reject *rejected);

/* Text for a refusal, for the message to the client and the log. */
const char *shell_input_reject_name(enum shell_input_reject r);

#endif
