/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lowest layer of the shell: a session and the helpers every command
 * file uses (shell_session.c). Command files include this and
 * shell/shell_group.h, never shell.c's transport, so the calls go one way:
 * shell.c -> shell_groups.c -> command files -> shell_session.c.
 */
#ifndef LW_SHELL_SESSION_H
#define LW_SHELL_SESSION_H

#include <libcli.h>

#include "shell/shell.h"

struct shell_session {
	struct shell *sh;
	const struct shell_env *env;
	int client_fd; /* the client's socket: written only by the pump thread */
	int pump_fd; /* pump side of the socketpair */
	int cli_fd; /* libcli side (closed by cli_loop) */
	char peer[64];
	char user[32];
	unsigned failures; /* failed logins in this session */
	_Atomic int finished; /* session thread: set last; accept thread: reaps */
	pthread_t thread, pump;
	struct shell_session *next; /* shell's list, under its lock */
};

/* The session a command runs in. */
struct shell_session *shell_session_of(struct cli_def *cli);

/* One log line for the operator's audit trail: "shell: <user>@<peer>: ...". */
void shell_log(const struct shell_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Run fn with the calling session thread online as a QSBR reader and the
 * live config snapshot; fn must not block (no output to the client).
 */
void shell_read_side(void (*fn)(const struct config_snapshot *snap, void *arg), void *arg,
		     const struct shell_env *env);

/* Post a request to the control thread, log it and print its answer. */
int shell_control_call(struct cli_def *cli, struct control_cmd *cmd, const char *what);

/* A command without arguments that is one request to the control thread. */
int shell_control_call_no_args(struct cli_def *cli, int argc, enum control_cmd_type type,
			       const char *what);

/* 0 when a command got no arguments; else says so and returns -1. */
int shell_no_args(struct cli_def *cli, int argc);

/* "<what> 1d 02:03:04". */
void shell_print_duration(struct cli_def *cli, const char *what, int64_t secs);

#endif
