/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shell transport and safety: listeners, the session limit, login with
 * lockout, the enable level, the idle timeout and the byte filter in front
 * of libcli. Commands live in the groups of shell_groups.c; the session
 * helpers they share in shell_session.c.
 *
 * Why libcli sits behind a socketpair: it reads the socket itself, ends a
 * line only on CR and keeps any byte it does not know. A pump thread per
 * session reads the client, runs shell_input_feed() on every byte and
 * writes the result to libcli's end, so nc (LF only) works, telnet
 * negotiation never reaches the editor, and an over-long line or one with
 * control bytes is refused whole instead of being truncated and run.
 */
#include "shell/shell.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <urcu-qsbr.h>

#include "config/config.h"
#include "shell/password.h"
#include "mgmt/shell_input.h"
#include "shell/shell_group.h"
#include "shell/shell_session.h"

#define ACCEPT_POLL_MS 200

struct shell {
	const struct shell_env *env;
	struct shell_env env_copy;
	int listen_fd[2]; /* TCP, Unix; -1 when absent */
	char unix_path[108];
	int wake[2]; /* pipe: shell_stop wakes the accept thread */
	pthread_t accept_thread;
	_Atomic bool stop;
	pthread_mutex_t lock;
	struct shell_session *sessions; /* under lock */
	unsigned n_sessions; /* under lock */
	unsigned consecutive_failures; /* under lock: logins failed since the last success */
};

/* libcli's login and enable callbacks take no context: the session thread says who asks. */
static __thread struct shell_session *tls_session;

struct shell_settings {
	struct cfg_shell sh;
};

static void copy_settings(const struct config_snapshot *snap, void *arg)
{
	struct shell_settings *st = arg;
	st->sh = snap->cfg->shell;
}

static void settings(const struct shell_env *env, struct cfg_shell *out)
{
	struct shell_settings st;
	shell_read_side(copy_settings, &st, env);
	*out = st.sh;
}

/* ---------------------------------------------------------------- login */

static int on_login(const char *username, const char *password)
{
	struct shell_session *s = tls_session;
	struct shell *sh = s->sh;
	struct cfg_shell cs;
	unsigned failures;

	settings(s->env, &cs);
	pthread_mutex_lock(&sh->lock);
	failures = sh->consecutive_failures;
	pthread_mutex_unlock(&sh->lock);
	/* Locked out: every attempt waits, so guessing costs lockout-secs a try. */
	if (failures >= cs.max_login_failures && cs.lockout_secs)
		sleep(cs.lockout_secs);

	bool ok = strcmp(username, cs.username) == 0 && password_verify(password, cs.password_hash);
	pthread_mutex_lock(&sh->lock);
	failures = ok ? 0 : sh->consecutive_failures + 1;
	sh->consecutive_failures = failures;
	pthread_mutex_unlock(&sh->lock);
	snprintf(s->user, sizeof(s->user), "%.31s", username);
	if (ok) {
		shell_log(s, "login");
		return CLI_OK;
	}
	s->failures++;
	shell_log(s, "login failed (%u in this session, %u in a row)", s->failures, failures);
	s->user[0] = '\0';
	if (s->failures >= cs.max_login_failures) {
		shell_log(s, "closing the session after %u failed logins", s->failures);
		shutdown(s->client_fd, SHUT_RDWR);
	}
	return CLI_ERROR;
}

static int on_enable(const char *password)
{
	struct shell_session *s = tls_session;
	struct cfg_shell cs;

	settings(s->env, &cs);
	bool ok = cs.enable_password_hash[0] && password_verify(password, cs.enable_password_hash);
	shell_log(s, ok ? "enable" : "enable refused");
	return ok;
}

static int on_idle(struct cli_def *cli)
{
	struct shell_session *s = shell_session_of(cli);
	cli_error(cli, "\r\n%% Idle timeout: closing the session");
	shell_log(s, "idle timeout, session closed");
	return CLI_QUIT;
}

/* ---------------------------------------------------------------- sessions */

/*
 * Every fd here is a socket (the client's, or libcli's end of the pair).
 * MSG_NOSIGNAL: a peer that went away (EPIPE, ECONNRESET) is a closed
 * session, never a SIGPIPE that would end the whole DHCP service. main()
 * also ignores SIGPIPE, for the writes libcli makes itself.
 */
static bool write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Client bytes -> filter -> libcli; libcli -> client unchanged. */
static void *pump_main(void *arg)
{
	struct shell_session *s = arg;
	struct shell_input in;
	struct cfg_shell cs;
	uint8_t buf[1024], out[sizeof(buf) * SHELL_INPUT_OUT_MAX];

	rcu_register_thread();
	rcu_thread_offline();
	settings(s->env, &cs);
	rcu_unregister_thread();
	shell_input_init(&in, cs.max_line);
	for (;;) {
		struct pollfd p[2] = { { .fd = s->client_fd, .events = POLLIN },
				       { .fd = s->pump_fd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			ssize_t n = read(s->pump_fd, buf, sizeof(buf));
			if (n <= 0 || !write_all(s->client_fd, buf, (size_t)n))
				break; /* libcli is done, or the client went away */
		}
		if (p[0].revents) {
			ssize_t n = read(s->client_fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			size_t k = 0;
			for (ssize_t i = 0; i < n; i++) {
				enum shell_input_reject why;
				size_t m = shell_input_feed(&in, buf[i], out + k, &why);
				if (why != SHELL_INPUT_OK) {
					char msg[128];
					int len =
					    snprintf(msg, sizeof(msg),
						     "\r\n%% Input refused: %s (limit %u "
						     "bytes, printable ASCII only)\r\n",
						     shell_input_reject_name(why), cs.max_line);
					write_all(s->client_fd, msg, (size_t)len);
					shell_log(s, "input line refused: %s",
						  shell_input_reject_name(why));
				}
				k += m;
			}
			if (k && !write_all(s->pump_fd, out, k))
				break;
		}
	}
	/* Either side ending ends both: libcli reads EOF, the client sees a close. */
	shutdown(s->pump_fd, SHUT_RDWR);
	shutdown(s->client_fd, SHUT_RDWR);
	return NULL;
}

static void *session_main(void *arg)
{
	struct shell_session *s = arg;
	struct cfg_shell cs;
	struct cli_def *cli;

	tls_session = s;
	rcu_register_thread();
	rcu_thread_offline();
	settings(s->env, &cs);
	shell_log(s, "connected");
	cli = cli_init();
	if (cli) {
		cli_set_banner(cli, "leasewire control shell");
		cli_set_hostname(cli, "leasewire");
		cli_set_context(cli, s);
		cli_set_auth_callback(cli, on_login);
		cli_set_enable_callback(cli, on_enable);
		cli_set_idle_timeout_callback(cli, cs.idle_timeout, on_idle);
		shell_groups_install(cli);
		cli_loop(cli, s->cli_fd); /* closes cli_fd */
		cli_done(cli);
	} else {
		close(s->cli_fd);
	}
	shutdown(s->pump_fd, SHUT_RDWR);
	pthread_join(s->pump, NULL);
	shell_log(s, "disconnected");
	rcu_unregister_thread();
	atomic_store_explicit(&s->finished, 1, memory_order_release);
	return NULL;
}

static void session_free(struct shell_session *s)
{
	close(s->pump_fd);
	close(s->client_fd);
	free(s);
}

/* Join sessions whose thread has ended (all of them when `all`). Accept thread. */
static void reap(struct shell *sh, bool all)
{
	pthread_mutex_lock(&sh->lock);
	struct shell_session **pp = &sh->sessions;
	while (*pp) {
		struct shell_session *s = *pp;
		if (all || atomic_load_explicit(&s->finished, memory_order_acquire)) {
			*pp = s->next;
			sh->n_sessions--;
			pthread_mutex_unlock(&sh->lock);
			if (all)
				shutdown(s->client_fd, SHUT_RDWR);
			pthread_join(s->thread, NULL);
			session_free(s);
			pthread_mutex_lock(&sh->lock);
		} else {
			pp = &s->next;
		}
	}
	pthread_mutex_unlock(&sh->lock);
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(a->sin_port));
	} else {
		snprintf(buf, len, "unix");
	}
}

static void accept_one(struct shell *sh, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct cfg_shell cs;
	int fd = accept(lfd, (struct sockaddr *)&ss, &sl);

	if (fd < 0)
		return;
	settings(sh->env, &cs);
	struct shell_session *s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return;
	}
	s->sh = sh;
	s->env = sh->env;
	s->client_fd = fd;
	peer_name(&ss, s->peer, sizeof(s->peer));

	pthread_mutex_lock(&sh->lock);
	bool full = sh->n_sessions >= cs.max_sessions;
	pthread_mutex_unlock(&sh->lock);
	if (full) {
		static const char msg[] = "% Too many shell sessions; try again later\r\n";
		write_all(fd, msg, sizeof(msg) - 1);
		shell_log(s, "refused: %u sessions already open (max-sessions)", cs.max_sessions);
		close(fd);
		free(s);
		return;
	}
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) < 0) {
		close(fd);
		free(s);
		return;
	}
	s->pump_fd = pair[0];
	s->cli_fd = pair[1];
	if (pthread_create(&s->pump, NULL, pump_main, s) != 0) {
		close(pair[1]);
		session_free(s);
		return;
	}
	if (pthread_create(&s->thread, NULL, session_main, s) != 0) {
		close(pair[1]);
		shutdown(s->client_fd, SHUT_RDWR);
		pthread_join(s->pump, NULL);
		session_free(s);
		return;
	}
	pthread_mutex_lock(&sh->lock);
	s->next = sh->sessions;
	sh->sessions = s;
	sh->n_sessions++;
	pthread_mutex_unlock(&sh->lock);
}

static void *accept_main(void *arg)
{
	struct shell *sh = arg;

	rcu_register_thread();
	rcu_thread_offline();
	while (!atomic_load(&sh->stop)) {
		struct pollfd p[3];
		int n = 0;
		for (int i = 0; i < 2; i++)
			if (sh->listen_fd[i] >= 0)
				p[n++] =
				    (struct pollfd){ .fd = sh->listen_fd[i], .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = sh->wake[0], .events = POLLIN };
		if (poll(p, (nfds_t)n, ACCEPT_POLL_MS) > 0) {
			for (int i = 0; i < n - 1; i++)
				if (p[i].revents & POLLIN)
					accept_one(sh, p[i].fd);
		}
		reap(sh, false);
	}
	reap(sh, true);
	rcu_unregister_thread();
	return NULL;
}

/* ---------------------------------------------------------------- listeners */

static int listen_tcp(const struct cfg_shell *cs, char *err, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(cs->port) };
	int one = 1, fd;

	inet_pton(AF_INET, cs->address, &a.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0)
		goto fail;
	return fd;
fail:;
	int e = errno;
	snprintf(err, len, "shell: listen on %s:%u: %s", cs->address, cs->port, strerror(e));
	if (fd >= 0)
		close(fd);
	errno = e;
	return -1;
}

static int listen_unix(const char *path, char *err, size_t len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path); /* a stale socket of an earlier run */
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0) {
		int e = errno;
		snprintf(err, len, "shell: listen on %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct shell *shell_start(const struct shell_env *env, char *err, size_t err_len)
{
	struct cfg_shell cs;
	struct shell *sh;

	rcu_thread_online();
	const struct config_snapshot *snap = rcu_dereference(*env->live);
	cs = snap->cfg->shell;
	rcu_thread_offline();
	if (!cs.password_hash[0]) {
		errno = 0;
		return NULL;
	}
	if (!password_hash_is_valid(cs.password_hash)) {
		snprintf(err, err_len, "shell.password-hash: not a valid hash");
		errno = EINVAL;
		return NULL;
	}
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return NULL;
	sh->env_copy = *env;
	sh->env = &sh->env_copy;
	sh->listen_fd[0] = sh->listen_fd[1] = -1;
	sh->wake[0] = sh->wake[1] = -1;
	pthread_mutex_init(&sh->lock, NULL);
	if (cs.port && (sh->listen_fd[0] = listen_tcp(&cs, err, err_len)) < 0)
		goto fail;
	if (cs.unix_socket[0]) {
		if ((sh->listen_fd[1] = listen_unix(cs.unix_socket, err, err_len)) < 0)
			goto fail;
		snprintf(sh->unix_path, sizeof(sh->unix_path), "%s", cs.unix_socket);
	}
	if (pipe(sh->wake) < 0 || pthread_create(&sh->accept_thread, NULL, accept_main, sh) != 0) {
		snprintf(err, err_len, "shell: cannot start: %s", strerror(errno));
		goto fail;
	}
	fprintf(stderr, "leasewired: shell: listening on %s:%u%s%s\n", cs.address, cs.port,
		cs.unix_socket[0] ? " and " : "", cs.unix_socket);
	return sh;
fail:;
	int e = errno;
	for (int i = 0; i < 2; i++) {
		if (sh->listen_fd[i] >= 0)
			close(sh->listen_fd[i]);
		if (sh->wake[i] >= 0)
			close(sh->wake[i]);
	}
	pthread_mutex_destroy(&sh->lock);
	free(sh);
	errno = e ? e : EIO;
	return NULL;
}

void shell_stop(struct shell *sh)
{
	if (!sh)
		return;
	atomic_store(&sh->stop, true);
	if (write(sh->wake[1], "x", 1) < 0) {
		/* the accept thread still sees stop within ACCEPT_POLL_MS */
	}
	pthread_join(sh->accept_thread, NULL);
	for (int i = 0; i < 2; i++) {
		if (sh->listen_fd[i] >= 0)
			close(sh->listen_fd[i]);
		close(sh->wake[i]);
	}
	if (sh->unix_path[0])
		unlink(sh->unix_path);
	pthread_mutex_destroy(&sh->lock);
	free(sh);
}

/* ---------------------------------------------------------------- --hash-password */

static int read_secret(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;

	if (tty) {
		fputs(prompt, stderr);
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *r = fgets(buf, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!r)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int shell_hash_password_main(void)
{
	char pw[256], again[256], out[PASSWORD_HASH_LEN];
	uint8_t salt[PASSWORD_SALT_LEN];

	if (read_secret("Password: ", pw, sizeof(pw)) < 0 || !pw[0]) {
		fprintf(stderr, "leasewired: --hash-password: no password on stdin\n");
		return 2;
	}
	if (isatty(STDIN_FILENO) &&
	    (read_secret("Again: ", again, sizeof(again)) < 0 || strcmp(pw, again) != 0)) {
		fprintf(stderr, "leasewired: --hash-password: the passwords differ\n");
		return 2;
	}
	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    password_hash(pw, salt, PASSWORD_ITER_DEFAULT, out) < 0) {
		fprintf(stderr, "leasewired: --hash-password: OpenSSL failed\n");
		return 1;
	}
	puts(out);
	return 0;
}
