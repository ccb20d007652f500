/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The update engine's log lines (ddns_internal.h): every line goes to
 * stderr as "leasewired: ddns: ...", errors are also kept as the engine's
 * last error; lines a flood of DHCP clients could cause are rate limited,
 * and a server's answer problems are logged once per burst.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ddns_internal.h"

#define NS_PER_MS 1000000LL

__attribute__((format(printf, 3, 0))) static void vlog_line(struct ddns_engine *e, bool error,
							    const char *fmt, va_list ap)
{
	char line[sizeof(e->last_error)];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "leasewired: ddns: %s\n", line);
	if (error)
		memcpy(e->last_error, line, sizeof(line));
}

void ddns_log_line(struct ddns_engine *e, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_line(e, error, fmt, ap);
	va_end(ap);
}

/*
 * Request-level lines (a conflict, a failed round, a refused request):
 * DHCP clients cause them, so at most DDNS_LOG_PER_SEC a second, and the
 * next line that passes says how many were held back.
 */
void ddns_log_req(struct ddns_engine *e, int64_t now_ns, bool error, const char *fmt, ...)
{
	va_list ap;

	if (now_ns - e->log_window_ns >= 1000 * NS_PER_MS) {
		e->log_window_ns = now_ns;
		e->log_in_window = 0;
	}
	if (e->log_in_window >= DDNS_LOG_PER_SEC) {
		e->log_suppressed++;
		return;
	}
	e->log_in_window++;
	if (e->log_suppressed) {
		fprintf(stderr, "leasewired: ddns: (%llu similar lines suppressed)\n",
			(unsigned long long)e->log_suppressed);
		e->log_suppressed = 0;
	}
	va_start(ap, fmt);
	vlog_line(e, error, fmt, ap);
	va_end(ap);
}

/* Per-server lines about answers (forged or not): one per DDNS_LOG_QUIET_NS burst. */
void ddns_log_srv(struct ddns_engine *e, struct ddns_server *s, int64_t now_ns, const char *fmt,
		  ...)
{
	va_list ap;
	char line[sizeof(s->st.last_error)];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memcpy(s->st.last_error, line, sizeof(line));
	if (now_ns < s->quiet_until_ns) {
		s->suppressed++;
		return;
	}
	s->quiet_until_ns = now_ns + DDNS_LOG_QUIET_NS;
	if (s->suppressed)
		ddns_log_line(e, true, "%s (and %llu more such answers from %s)", line,
			      (unsigned long long)s->suppressed, s->label);
	else
		ddns_log_line(e, true, "%s", line);
	s->suppressed = 0;
}
