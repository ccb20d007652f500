/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lw-ddns-probe: drives the control thread's DNS update engine
 * (control/ddns/ddns_engine.h) from a script, against a real DNS server,
 * for tests/integration/test_ddns_bind.sh and scripts/bench-ddns.sh. The
 * engine is the shipped code; only the poll loop and the DHCID (RFC 4701
 * sec 3.3, identifier type 0x0001: option-61 data) are the probe's.
 *
 *   lw-ddns-probe -s 127.0.0.1:10053 -k KEYFILE | -y ALG:NAME:SECRET
 *                 [-f example.test.] [-r 2.0.192.in-addr.arpa.]... (same servers, key)
 *                 [--timeout MS] [--tries N] [--retry-min MS] [--retry-max MS]
 *                 [--in-flight N] [--queue N] [--tcp] [--mode MODE] [--ttl S]
 *
 * Commands on stdin, one per line ('#' starts a comment):
 *   add FQDN IP CLIENT-ID-HEX          forward + reverse add
 *   remove FQDN IP CLIENT-ID-HEX       forward + reverse removal
 *   add-fwd / add-rev / remove-fwd / remove-rev ...   one direction only
 *   bulk-add PREFIX N FIRST-IP         N adds PREFIX<i>.<zone> -> FIRST-IP + i, client id i,
 *                                      all submitted before the engine runs (unless the
 *                                      queue fills), so min(N, max_in_flight) go out at once
 *   bulk-remove PREFIX N FIRST-IP      their removals
 *   wait [SECS]                        poll until nothing is pending (default 60 s)
 *   stats                              the counters and each server's state
 * Output: "result FQDN fwd=OUTCOME rev=OUTCOME" per request (not for bulk
 * ones, which are summed), "waited N ms pending P ok O conflict C
 * rejected R no-zone Z skipped K peak_in_flight F" per wait, counters as
 * "counter NAME VALUE", servers as "server IP:PORT reachable=0|1 ...".
 * Exit 0 unless the arguments or a command are wrong.
 */
#include <errno.h>
#include <getopt.h>
#include <openssl/sha.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mono_clock.h"
#include "ddns/ddns_engine.h"

struct probe {
	struct ddns_engine *e;
	bool quiet_bulk;
	uint64_t n[DDNS_OUT_SKIPPED + 1]; /* outcomes of this wait, both directions */
	uint64_t peak_in_flight;
	uint8_t mode;
	uint32_t ttl;
	char fwd_zone[CFG_DNS_NAME_MAX];
};

static void on_done(void *ctx, const struct ddns_ncr *ncr, const struct ddns_result *res)
{
	struct probe *p = ctx;

	if (ncr->fwd)
		p->n[res->fwd]++;
	if (ncr->rev)
		p->n[res->rev]++;
	if (!(ncr->cookie & 1))
		printf("result %s fwd=%s rev=%s\n", ncr->fqdn, ddns_outcome_name(res->fwd),
		       ddns_outcome_name(res->rev));
	fflush(stdout);
}

/* Canonical wire form of an absolute, lower-case name (RFC 4034 sec 6.2). */
static size_t name_wire(const char *name, uint8_t *out)
{
	size_t o = 0;

	while (*name && *name != '.') {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		out[o++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++) {
			char c = name[i];
			out[o++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		}
		name += l + (dot ? 1 : 0);
	}
	out[o++] = 0;
	return o;
}

/* RFC 4701 sec 3.3: type 0x0001 (client identifier), digest type 1, SHA-256(id || fqdn). */
static void dhcid_of(const uint8_t *id, size_t id_len, const char *fqdn, uint8_t out[35])
{
	uint8_t buf[512];
	size_t n = 0;

	memcpy(buf, id, id_len);
	n = id_len;
	n += name_wire(fqdn, buf + n);
	out[0] = 0;
	out[1] = 1;
	out[2] = 1;
	SHA256(buf, n, out + 3);
}

static int parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		unsigned v;
		if (*s == ':') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		s += (s[1] && s[1] != ':') ? 2 : 1;
	}
	return (int)n;
}

static int parse_ip(const char *s, uint32_t *ip)
{
	unsigned a, b, c, d;

	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || a > 255 || b > 255 || c > 255 ||
	    d > 255)
		return -1;
	*ip = a << 24 | b << 16 | c << 8 | d;
	return 0;
}

static int submit(struct probe *p, uint8_t kind, bool fwd, bool rev, const char *fqdn, uint32_t ip,
		  const uint8_t *id, size_t id_len, uint64_t cookie)
{
	if (strlen(fqdn) + 2 > CFG_DNS_NAME_MAX)
		return -ENAMETOOLONG;
	struct ddns_ncr ncr = { .kind = kind,
				.fwd = fwd,
				.rev = rev,
				.mode = p->mode,
				.ip = ip,
				.ttl = p->ttl,
				.cookie = cookie };
	int rc;

	snprintf(ncr.fqdn, sizeof(ncr.fqdn), "%s%s", fqdn,
		 fqdn[strlen(fqdn) - 1] == '.' ? "" : ".");
	dhcid_of(id, id_len, ncr.fqdn, ncr.dhcid);
	rc = ddns_engine_submit(p->e, &ncr);
	if (rc < 0)
		printf("submit %s: %s\n", ncr.fqdn, strerror(-rc));
	return rc;
}

static void run_once(struct probe *p, int timeout_ms)
{
	int fds[64];
	struct pollfd pfd[64];
	unsigned n = ddns_engine_fds(p->e, fds, 64);

	if (n > 64)
		n = 64;
	for (unsigned i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	(void)poll(pfd, n, timeout_ms);
	ddns_engine_poll(p->e, mono_clock_ns());
	uint64_t f = ddns_engine_counter(p->e, DDNS_C_in_flight);
	if (f > p->peak_in_flight)
		p->peak_in_flight = f;
}

static int cmd_wait(struct probe *p, double secs)
{
	int64_t t0 = mono_clock_ns(), end = t0 + (int64_t)(secs * 1e9);

	run_once(p, 0);
	while (ddns_engine_pending(p->e) && mono_clock_ns() < end)
		run_once(p, 1);
	printf("waited %lld ms pending %u ok %llu conflict %llu rejected %llu no-zone %llu "
	       "skipped %llu peak_in_flight %llu\n",
	       (long long)((mono_clock_ns() - t0) / 1000000), ddns_engine_pending(p->e),
	       (unsigned long long)p->n[DDNS_OUT_OK], (unsigned long long)p->n[DDNS_OUT_CONFLICT],
	       (unsigned long long)p->n[DDNS_OUT_REJECTED],
	       (unsigned long long)p->n[DDNS_OUT_NO_ZONE],
	       (unsigned long long)p->n[DDNS_OUT_SKIPPED], (unsigned long long)p->peak_in_flight);
	fflush(stdout);
	memset(p->n, 0, sizeof(p->n));
	p->peak_in_flight = 0;
	return 0; /* "pending P" says whether it timed out */
}

static void cmd_stats(struct probe *p)
{
	const struct counter_block *b = ddns_engine_counters(p->e);

	for (unsigned i = 0; i < b->n; i++)
		printf("counter %s %llu\n", b->names[i],
		       (unsigned long long)atomic_load(&b->values[i]));
	for (unsigned i = 0; i < ddns_engine_n_servers(p->e); i++) {
		struct ddns_server_stats s;
		ddns_engine_server_stats(p->e, i, &s);
		printf("server %u.%u.%u.%u:%u reachable=%d tsig_alarm=%d sent=%llu ok=%llu "
		       "timeouts=%llu tsig_bad=%llu bad_answers=%llu last_error=\"%s\"\n",
		       s.ip >> 24, s.ip >> 16 & 255, s.ip >> 8 & 255, s.ip & 255, s.port,
		       s.reachable, s.tsig_alarm, (unsigned long long)s.sent,
		       (unsigned long long)s.ok, (unsigned long long)s.timeouts,
		       (unsigned long long)s.tsig_bad, (unsigned long long)s.bad_answers,
		       s.last_error);
	}
	fflush(stdout);
}

static int bulk(struct probe *p, uint8_t kind, const char *prefix, unsigned n, uint32_t ip0)
{
	for (unsigned i = 0; i < n; i++) {
		char fqdn[2 * CFG_DNS_NAME_MAX + 16];
		uint8_t id[5] = { 1, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i, 0x5a };
		snprintf(fqdn, sizeof(fqdn), "%s%u.%s", prefix, i, p->fwd_zone);
		int rc;
		/* A full queue refuses adds: let the engine drain, as a DHCP server's sender would. */
		while ((rc = submit(p, kind, true, true, fqdn, ip0 + i, id, sizeof(id),
				    (uint64_t)i << 1 | 1)) == -ENOSPC)
			run_once(p, 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int command(struct probe *p, char *line)
{
	char verb[32], a1[CFG_DNS_NAME_MAX], a2[64], a3[600];
	uint8_t id[256];
	uint32_t ip;
	int n = sscanf(line, "%31s %255s %63s %599s", verb, a1, a2, a3);

	if (n <= 0 || verb[0] == '#')
		return 0;
	if (!strcmp(verb, "wait"))
		return cmd_wait(p, n >= 2 ? atof(a1) : 60);
	if (!strcmp(verb, "stats")) {
		cmd_stats(p);
		return 0;
	}
	if (!strcmp(verb, "bulk-add") || !strcmp(verb, "bulk-remove")) {
		if (n < 4 || parse_ip(a3, &ip) < 0)
			return -EINVAL;
		return bulk(p, verb[5] == 'a' ? DDNS_NCR_ADD : DDNS_NCR_REMOVE, a1,
			    (unsigned)atoi(a2), ip);
	}
	int id_len = n == 4 ? parse_hex(a3, id, sizeof(id)) : -1;
	if (id_len <= 0 || parse_ip(a2, &ip) < 0)
		return -EINVAL;
	bool add = !strncmp(verb, "add", 3);
	if (!add && strncmp(verb, "remove", 6))
		return -EINVAL;
	const char *dir = strchr(verb, '-');
	bool fwd = !dir || !strcmp(dir, "-fwd"), rev = !dir || !strcmp(dir, "-rev");
	int rc = submit(p, add ? DDNS_NCR_ADD : DDNS_NCR_REMOVE, fwd, rev, a1, ip, id,
			(size_t)id_len, 0);
	return rc == -ENOSPC || rc == -EPERM ? 0 : rc;
}

/* key "NAME" { algorithm ALG; secret "B64"; }; as tsig-keygen writes it. */
static int read_keyfile(const char *path, struct cfg_tsig_key *k)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char name[200], alg[24], secret[256];
	const char *kp = strstr(buf, "key"), *ap = strstr(buf, "algorithm"),
		   *sp = strstr(buf, "secret");
	if (!kp || !ap || !sp || sscanf(kp, "key \"%199[^\"]\"", name) != 1 ||
	    sscanf(ap, "algorithm %23[^; ]", alg) != 1 ||
	    sscanf(sp, "secret \"%255[^\"]\"", secret) != 1)
		return -EINVAL;
	snprintf(k->name, sizeof(k->name), "%s.", name);
	snprintf(k->algorithm, sizeof(k->algorithm), "%s.", alg);
	snprintf(k->secret_b64, sizeof(k->secret_b64), "%s", secret);
	return 0;
}

static int parse_y(const char *y, struct cfg_tsig_key *k)
{
	char alg[24], name[200], secret[256];

	if (sscanf(y, "%23[^:]:%199[^:]:%255s", alg, name, secret) != 3)
		return -EINVAL;
	snprintf(k->name, sizeof(k->name), "%s.", name);
	snprintf(k->algorithm, sizeof(k->algorithm), "%s.", alg);
	snprintf(k->secret_b64, sizeof(k->secret_b64), "%s", secret);
	return 0;
}

static int add_server(struct cfg_ddns_domain *d, const char *s)
{
	char ip[32];
	unsigned port = 53;
	uint32_t a;

	if (d->n_servers >= CFG_DDNS_MAX_SERVERS || sscanf(s, "%31[^:]:%u", ip, &port) < 1 ||
	    parse_ip(ip, &a) < 0 || port > 65535)
		return -EINVAL;
	d->servers[d->n_servers].ip = a;
	d->servers[d->n_servers++].port = (uint16_t)port;
	return 0;
}

int main(int argc, char **argv)
{
	static struct cfg_ddns cfg; /* big: keep it off the stack */
	static struct probe p = { .ttl = 600 };
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 'T' },
		{ "tries", required_argument, NULL, 'n' },
		{ "retry-min", required_argument, NULL, 'm' },
		{ "retry-max", required_argument, NULL, 'M' },
		{ "in-flight", required_argument, NULL, 'i' },
		{ "queue", required_argument, NULL, 'q' },
		{ "tcp", no_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'o' },
		{ "ttl", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fwd = "example.test.", *rev[CFG_DDNS_MAX_DOMAINS];
	unsigned n_rev = 0;
	bool tcp = false, have_key = false;
	int c, rc = 0;

	cfg.enabled = true;
	cfg.n_keys = 1;
	cfg.n_forward = 1;
	while ((c = getopt_long(argc, argv, "s:k:y:f:r:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (add_server(&cfg.forward[0], optarg) < 0)
				goto usage;
			break;
		case 'k':
			if (read_keyfile(optarg, &cfg.keys[0]) < 0) {
				fprintf(stderr, "lw-ddns-probe: %s: not a key file\n", optarg);
				return 2;
			}
			have_key = true;
			break;
		case 'y':
			if (parse_y(optarg, &cfg.keys[0]) < 0)
				goto usage;
			have_key = true;
			break;
		case 'f': fwd = optarg; break;
		case 'r':
			if (n_rev == CFG_DDNS_MAX_DOMAINS)
				goto usage;
			rev[n_rev++] = optarg;
			break;
		case 'T': cfg.server_timeout_ms = (uint32_t)atoi(optarg); break;
		case 'n': cfg.tries_per_server = (uint32_t)atoi(optarg); break;
		case 'm': cfg.retry_min_ms = (uint32_t)atoi(optarg); break;
		case 'M': cfg.retry_max_ms = (uint32_t)atoi(optarg); break;
		case 'i': cfg.max_in_flight = (uint32_t)atoi(optarg); break;
		case 'q': cfg.max_queue = (uint32_t)atoi(optarg); break;
		case 't': tcp = true; break;
		case 'o':
			if (!strcmp(optarg, "check-with-dhcid"))
				p.mode = CFG_DDNS_CHECK_WITH_DHCID;
			else if (!strcmp(optarg, "no-check-with-dhcid"))
				p.mode = CFG_DDNS_NO_CHECK_WITH_DHCID;
			else if (!strcmp(optarg, "check-exists-with-dhcid"))
				p.mode = CFG_DDNS_CHECK_EXISTS_WITH_DHCID;
			else if (!strcmp(optarg, "no-check-without-dhcid"))
				p.mode = CFG_DDNS_NO_CHECK_WITHOUT_DHCID;
			else
				goto usage;
			break;
		case 'l': p.ttl = (uint32_t)atoi(optarg); break;
		default: goto usage;
		}
	}
	if (!have_key || !cfg.forward[0].n_servers)
		goto usage;
	snprintf(cfg.forward[0].name, sizeof(cfg.forward[0].name), "%s", fwd);
	if (!n_rev)
		rev[n_rev++] = "2.0.192.in-addr.arpa.";
	cfg.n_reverse = n_rev;
	for (unsigned i = 0; i < n_rev; i++) {
		/* The same servers and key as the forward zone, as in the BIND harness. */
		cfg.reverse[i] = cfg.forward[0];
		snprintf(cfg.reverse[i].name, sizeof(cfg.reverse[i].name), "%s", rev[i]);
	}
	snprintf(p.fwd_zone, sizeof(p.fwd_zone), "%s", fwd);
	p.e = ddns_engine_new(&cfg, on_done, &p);
	if (!p.e) {
		fprintf(stderr, "lw-ddns-probe: engine: %s\n", strerror(errno));
		return 2;
	}
	ddns_engine_set_tcp_only(p.e, tcp);
	char line[1024];
	while (fgets(line, sizeof(line), stdin)) {
		int crc = command(&p, line);
		if (crc < 0) {
			printf("error %s: %s", strerror(-crc), line);
			rc = 1;
		}
		fflush(stdout);
	}
	ddns_engine_free(p.e);
	return rc;
usage:
	fprintf(stderr, "usage: lw-ddns-probe -s IP:PORT (-k KEYFILE | -y ALG:NAME:SECRET) "
			"[-f ZONE] [-r ZONE] [--timeout MS] [--tries N] [--retry-min MS] "
			"[--retry-max MS] [--in-flight N] [--queue N] [--tcp] [--mode MODE] "
			"[--ttl S] < commands\n");
	return 2;
}
