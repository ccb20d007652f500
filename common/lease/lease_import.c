/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kea CSV and dhcpd.leases parsers, and the Kea CSV writer (see
 * lease_import.h). The columns that are a lease field value for value are
 * copied by expanding LEASE_FIELD_LIST (lease/lease_fields.h); the others
 * (hwaddr, client_id, expire, state) are computed by hand below, and the
 * line layout follows Kea's column order, which is not the list's.
 */
#include "lease/lease_import.h"

#include "dhcp/dhcp_server.h"
#include "lease/lease_table.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Kea lease4 states (kea/src/lib/dhcpsrv/lease.h). */
#define KEA_STATE_DEFAULT 0
#define KEA_STATE_DECLINED 1
#define KEA_STATE_EXPIRED_RECLAIMED 2

#define KEA_HEADER \
	"address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev," \
	"hostname,state,user_context"

__attribute__((format(printf, 3, 4))) static void set_err(char *err, unsigned line, const char *fmt,
							  ...)
{
	va_list ap;
	int n = snprintf(err, LEASE_IMPORT_ERR_LEN, "line %u: ", line);

	va_start(ap, fmt);
	if (n > 0 && n < LEASE_IMPORT_ERR_LEN)
		vsnprintf(err + n, LEASE_IMPORT_ERR_LEN - (size_t)n, fmt, ap);
	va_end(ap);
}

static int parse_ipv4(const char *s, size_t n, uint32_t *ip)
{
	uint32_t v = 0;
	unsigned parts = 0, digits = 0, octet = 0;

	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : '.';
		if (c >= '0' && c <= '9') {
			octet = octet * 10 + (unsigned)(c - '0');
			if (++digits > 3 || octet > 255)
				return -EINVAL;
		} else if (c == '.' && digits) {
			v = v << 8 | octet;
			parts++;
			octet = digits = 0;
		} else {
			return -EINVAL;
		}
	}
	if (parts != 4)
		return -EINVAL;
	*ip = v;
	return 0;
}

/* "aa:bb:cc" (also '-' separated, or one bare hex string) into out (cap bytes). */
static int parse_hex_bytes(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len)
{
	size_t k = 0, i = 0;

	while (i < n) {
		if (s[i] == ':' || s[i] == '-') {
			i++;
			continue;
		}
		if (i + 1 >= n || !isxdigit((unsigned char)s[i]) ||
		    !isxdigit((unsigned char)s[i + 1]) || k >= cap)
			return -EINVAL;
		char b[3] = { s[i], s[i + 1], 0 };
		out[k++] = (uint8_t)strtoul(b, NULL, 16);
		i += 2;
	}
	*len = k;
	return 0;
}

static int parse_u64(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (x > (max - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

enum lease_import_format lease_import_detect(const char *text, size_t len)
{
	static const char head[] = "address,hwaddr,";
	size_t i = 0;

	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	if (len - i >= sizeof(head) - 1 && memcmp(text + i, head, sizeof(head) - 1) == 0)
		return LEASE_IMPORT_KEA_CSV;
	return len ? LEASE_IMPORT_DHCPD : LEASE_IMPORT_UNKNOWN;
}

/* ------------------------------------------------------------------ Kea CSV */

enum kea_col {
	KC_ADDRESS,
	KC_HWADDR,
	KC_CLIENT_ID,
	KC_VALID,
	KC_EXPIRE,
	KC_SUBNET,
	KC_FQDN_FWD,
	KC_FQDN_REV,
	KC_HOSTNAME,
	KC_STATE,
	KC__COUNT
};
static const char *const kea_col_names[KC__COUNT] = {
	"address",   "hwaddr",	 "client_id", "valid_lifetime", "expire",
	"subnet_id", "fqdn_fwd", "fqdn_rev",  "hostname",	"state",
};
#define KEA_MAX_FIELDS 32

struct field {
	const char *s;
	size_t n;
};

static unsigned split_csv(const char *line, size_t n, struct field *f, unsigned max)
{
	unsigned k = 0;
	size_t start = 0;

	for (size_t i = 0; i <= n && k < max; i++) {
		if (i == n || line[i] == ',') {
			f[k].s = line + start;
			f[k].n = i - start;
			k++;
			start = i + 1;
		}
	}
	return k;
}

/* Kea escapes commas in text fields as "&#x2c". */
static void kea_unescape(const struct field *f, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < f->n && k + 1 < cap; i++) {
		if (f->n - i >= 5 && memcmp(f->s + i, "&#x2c", 5) == 0) {
			out[k++] = ',';
			i += 4;
		} else if ((unsigned char)f->s[i] >= 0x20 && (unsigned char)f->s[i] < 0x7f) {
			out[k++] = f->s[i];
		}
	}
	out[k] = '\0';
}

static int kea_record(const struct field *f, unsigned nf, const int *col, unsigned line,
		      struct lease_import_rec *r, char *err)
{
	uint64_t v;
	size_t len;

	memset(r, 0, sizeof(*r));
	for (unsigned c = 0; c < KC__COUNT; c++) {
		if (col[c] >= 0 && (unsigned)col[c] >= nf) {
			set_err(err, line, "%u fields, expected at least %d", nf, col[c] + 1);
			return -EINVAL;
		}
	}
	const struct field *a = &f[col[KC_ADDRESS]];
	if (parse_ipv4(a->s, a->n, &r->ip) < 0) {
		set_err(err, line, "address: not an IPv4 address");
		return -EINVAL;
	}
	if (parse_hex_bytes(f[col[KC_HWADDR]].s, f[col[KC_HWADDR]].n, r->hwaddr, sizeof(r->hwaddr),
			    &len) < 0) {
		set_err(err, line, "hwaddr: not hex bytes (at most 16)");
		return -EINVAL;
	}
	r->hlen = (uint8_t)len;
	if (col[KC_CLIENT_ID] >= 0) {
		if (parse_hex_bytes(f[col[KC_CLIENT_ID]].s, f[col[KC_CLIENT_ID]].n, r->client_id,
				    sizeof(r->client_id), &len) < 0) {
			set_err(err, line, "client_id: not hex bytes (at most %zu)",
				sizeof(r->client_id));
			return -EINVAL;
		}
		r->client_id_len = (uint8_t)len;
	}
	if (parse_u64(f[col[KC_VALID]].s, f[col[KC_VALID]].n, UINT32_MAX, &v) < 0) {
		set_err(err, line, "valid_lifetime: not a number of seconds");
		return -EINVAL;
	}
	r->valid_lifetime = (uint32_t)v;
	if (parse_u64(f[col[KC_EXPIRE]].s, f[col[KC_EXPIRE]].n, INT64_MAX, &v) < 0) {
		set_err(err, line, "expire: not a unix time");
		return -EINVAL;
	}
	r->expire = (int64_t)v;
	r->cltt = r->expire - (int64_t)r->valid_lifetime;
	if (col[KC_SUBNET] >= 0 &&
	    parse_u64(f[col[KC_SUBNET]].s, f[col[KC_SUBNET]].n, UINT32_MAX, &v) == 0)
		r->subnet_id = (uint32_t)v;
	if (col[KC_HOSTNAME] >= 0)
		kea_unescape(&f[col[KC_HOSTNAME]], r->hostname, sizeof(r->hostname));
	/* Kea writes 1 or 0 (older files: true or false). */
	for (unsigned c = KC_FQDN_FWD; c <= KC_FQDN_REV; c++) {
		const struct field *b = col[c] >= 0 ? &f[col[c]] : NULL;
		bool on = b && ((b->n == 1 && b->s[0] == '1') ||
				(b->n == 4 && strncasecmp(b->s, "true", 4) == 0));
		if (c == KC_FQDN_FWD)
			r->fqdn_fwd = on;
		else
			r->fqdn_rev = on;
	}
	v = KEA_STATE_DEFAULT;
	if (col[KC_STATE] >= 0 && f[col[KC_STATE]].n &&
	    parse_u64(f[col[KC_STATE]].s, f[col[KC_STATE]].n, 255, &v) < 0) {
		set_err(err, line, "state: not a number");
		return -EINVAL;
	}
	switch (v) {
	case KEA_STATE_DEFAULT:
		/* Kea marks a deleted lease with a zero lifetime. */
		r->state = r->valid_lifetime ? LEASE_BOUND : LEASE_RELEASED;
		break;
	case KEA_STATE_DECLINED: r->state = LEASE_DECLINED; break;
	case KEA_STATE_EXPIRED_RECLAIMED: r->state = LEASE_EXPIRED; break;
	default:
		set_err(err, line, "state: %llu is not a Kea lease4 state", (unsigned long long)v);
		return -EINVAL;
	}
	return 0;
}

int lease_import_kea_csv(const char *text, size_t len, lease_import_fn fn, void *arg,
			 char err[LEASE_IMPORT_ERR_LEN])
{
	int col[KC__COUNT];
	struct field f[KEA_MAX_FIELDS];
	bool have_header = false;
	unsigned line = 0;
	int count = 0;
	size_t pos = 0;

	err[0] = '\0';
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		size_t n = end - pos;
		const char *s = text + pos;
		pos = end + 1;
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		unsigned nf = split_csv(s, n, f, KEA_MAX_FIELDS);
		if (!have_header) {
			for (unsigned c = 0; c < KC__COUNT; c++) {
				col[c] = -1;
				for (unsigned i = 0; i < nf; i++)
					if (f[i].n == strlen(kea_col_names[c]) &&
					    memcmp(f[i].s, kea_col_names[c], f[i].n) == 0)
						col[c] = (int)i;
			}
			if (col[KC_ADDRESS] < 0 || col[KC_HWADDR] < 0 || col[KC_VALID] < 0 ||
			    col[KC_EXPIRE] < 0) {
				set_err(err, line,
					"not a Kea lease4 header (needs address, hwaddr, "
					"valid_lifetime, expire)");
				return -EINVAL;
			}
			have_header = true;
			continue;
		}
		struct lease_import_rec r;
		if (kea_record(f, nf, col, line, &r, err) < 0)
			return -EINVAL;
		int rc = fn(&r, arg);
		if (rc)
			return rc;
		count++;
	}
	if (!have_header) {
		set_err(err, line, "empty file: no Kea header");
		return -EINVAL;
	}
	return count;
}

/* ------------------------------------------------------------ dhcpd.leases */

#define TOKEN_MAX 256

struct lexer {
	const char *s;
	size_t len, pos;
	unsigned line;
	char tok[TOKEN_MAX];
	size_t tok_len;
	bool is_string;
};

/*
 * Next token: a word (letters, digits, '.', ':', '/', '-', '_'), a quoted
 * string (C escapes, octal \ooo) or one punctuation character. Returns false
 * at the end of input.
 */
static bool lex_next(struct lexer *lx)
{
	lx->tok_len = 0;
	lx->is_string = false;
	for (;;) {
		if (lx->pos >= lx->len)
			return false;
		char c = lx->s[lx->pos];
		if (c == '\n')
			lx->line++;
		if (c == '#') {
			while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
				lx->pos++;
			continue;
		}
		if (!isspace((unsigned char)c))
			break;
		lx->pos++;
	}
	char c = lx->s[lx->pos];
	if (c == '"') {
		lx->is_string = true;
		lx->pos++;
		while (lx->pos < lx->len && lx->s[lx->pos] != '"') {
			char ch = lx->s[lx->pos++];
			if (ch == '\n')
				lx->line++;
			if (ch == '\\' && lx->pos < lx->len) {
				ch = lx->s[lx->pos++];
				if (ch >= '0' && ch <= '7') {
					unsigned v = (unsigned)(ch - '0');
					for (int k = 0;
					     k < 2 && lx->pos < lx->len && lx->s[lx->pos] >= '0' &&
					     lx->s[lx->pos] <= '7';
					     k++)
						v = v * 8 + (unsigned)(lx->s[lx->pos++] - '0');
					ch = (char)(v & 0xff);
				} else if (ch == 'n') {
					ch = '\n';
				} else if (ch == 't') {
					ch = '\t';
				}
			}
			if (lx->tok_len < TOKEN_MAX - 1)
				lx->tok[lx->tok_len++] = ch;
		}
		lx->pos++; /* closing quote (or end of input) */
		lx->tok[lx->tok_len] = '\0';
		return true;
	}
	if (isalnum((unsigned char)c) || strchr(".:/-_", c)) {
		while (lx->pos < lx->len) {
			c = lx->s[lx->pos];
			if (!isalnum((unsigned char)c) && !strchr(".:/-_", c))
				break;
			if (lx->tok_len < TOKEN_MAX - 1)
				lx->tok[lx->tok_len++] = c;
			lx->pos++;
		}
		lx->tok[lx->tok_len] = '\0';
		return true;
	}
	lx->tok[0] = c;
	lx->tok[1] = '\0';
	lx->tok_len = 1;
	lx->pos++;
	return true;
}

static bool tok_is(const struct lexer *lx, const char *w)
{
	return !lx->is_string && strcmp(lx->tok, w) == 0;
}

/* Skip to the end of the current statement: past ';' or a balanced { } block. */
static int skip_statement(struct lexer *lx)
{
	unsigned depth = 0;

	for (;;) {
		if (tok_is(lx, "{"))
			depth++;
		else if (tok_is(lx, "}")) {
			if (depth == 0)
				return 1; /* end of the enclosing block: caller handles it */
			if (--depth == 0)
				return 0;
		} else if (tok_is(lx, ";") && depth == 0)
			return 0;
		if (!lex_next(lx))
			return -EINVAL;
	}
}

/* "<weekday> yyyy/mm/dd hh:mm:ss;" (UTC), "epoch <secs>;" or "never;". */
static int parse_time(struct lexer *lx, int64_t *t)
{
	if (!lex_next(lx))
		return -EINVAL;
	if (tok_is(lx, "never")) {
		*t = INT64_MAX;
	} else if (tok_is(lx, "epoch")) {
		uint64_t v;
		if (!lex_next(lx) || parse_u64(lx->tok, lx->tok_len, INT64_MAX, &v) < 0)
			return -EINVAL;
		*t = (int64_t)v;
	} else {
		struct tm tm;
		int y, mo, d, h, mi, s;
		memset(&tm, 0, sizeof(tm));
		if (!lex_next(lx) || sscanf(lx->tok, "%d/%d/%d", &y, &mo, &d) != 3)
			return -EINVAL;
		if (!lex_next(lx) || sscanf(lx->tok, "%d:%d:%d", &h, &mi, &s) != 3)
			return -EINVAL;
		if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 ||
		    h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
			return -EINVAL;
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = s;
		*t = (int64_t)timegm(&tm);
	}
	if (!lex_next(lx) || !tok_is(lx, ";"))
		return -EINVAL;
	return 0;
}

/* Read "word;" after a keyword. */
static int parse_word_then_semicolon(struct lexer *lx, char *out, size_t cap)
{
	if (!lex_next(lx))
		return -EINVAL;
	snprintf(out, cap, "%s", lx->tok);
	if (!lex_next(lx) || !tok_is(lx, ";"))
		return -EINVAL;
	return 0;
}

/* The printable bytes of the current token into out (cap bytes, NUL-terminated). */
static void printable_copy(char *out, size_t cap, const struct lexer *lx)
{
	size_t k = 0;

	for (size_t i = 0; i < lx->tok_len && k + 1 < cap; i++)
		if ((unsigned char)lx->tok[i] >= 0x20 && (unsigned char)lx->tok[i] < 0x7f)
			out[k++] = lx->tok[i];
	out[k] = '\0';
}

static int dhcpd_lease(struct lexer *lx, struct lease_import_rec *r, char *err)
{
	int64_t starts = 0, ends = 0;
	char word[TOKEN_MAX];
	bool have_state = false, have_fwd_name = false;

	memset(r, 0, sizeof(*r));
	r->state = LEASE_BOUND;
	if (!lex_next(lx) || parse_ipv4(lx->tok, lx->tok_len, &r->ip) < 0) {
		set_err(err, lx->line, "lease: not an IPv4 address");
		return -EINVAL;
	}
	if (!lex_next(lx) || !tok_is(lx, "{")) {
		set_err(err, lx->line, "lease: '{' expected");
		return -EINVAL;
	}
	for (;;) {
		if (!lex_next(lx)) {
			set_err(err, lx->line, "lease: unterminated block");
			return -EINVAL;
		}
		int rc = 0;
		if (tok_is(lx, "}"))
			break;
		if (tok_is(lx, "starts")) {
			rc = parse_time(lx, &starts);
		} else if (tok_is(lx, "ends")) {
			rc = parse_time(lx, &ends);
		} else if (tok_is(lx, "binding")) {
			if (!lex_next(lx) || !tok_is(lx, "state") ||
			    parse_word_then_semicolon(lx, word, sizeof(word)) < 0) {
				rc = -EINVAL;
			} else {
				have_state = true;
				if (strcmp(word, "active") == 0)
					r->state = LEASE_BOUND;
				else if (strcmp(word, "expired") == 0)
					r->state = LEASE_EXPIRED;
				else if (strcmp(word, "released") == 0)
					r->state = LEASE_RELEASED;
				else if (strcmp(word, "abandoned") == 0)
					r->state = LEASE_DECLINED;
				else
					r->state =
					    LEASE_FREE; /* free, backup, reset ...: not a binding */
			}
		} else if (tok_is(lx, "hardware")) {
			size_t len;
			if (!lex_next(lx) || !lex_next(lx) ||
			    parse_hex_bytes(lx->tok, lx->tok_len, r->hwaddr, sizeof(r->hwaddr),
					    &len) < 0 ||
			    !lex_next(lx) || !tok_is(lx, ";"))
				rc = -EINVAL;
			else
				r->hlen = (uint8_t)len;
		} else if (tok_is(lx, "uid")) {
			size_t len = 0;
			if (!lex_next(lx)) {
				rc = -EINVAL;
			} else if (lx->is_string) {
				len = lx->tok_len < sizeof(r->client_id) ? lx->tok_len
									 : sizeof(r->client_id);
				memcpy(r->client_id, lx->tok, len);
			} else if (parse_hex_bytes(lx->tok, lx->tok_len, r->client_id,
						   sizeof(r->client_id), &len) < 0) {
				rc = -EINVAL;
			}
			r->client_id_len = (uint8_t)len;
			if (rc == 0 && (!lex_next(lx) || !tok_is(lx, ";")))
				rc = -EINVAL;
		} else if (tok_is(lx, "client-hostname")) {
			if (!lex_next(lx) || !lx->is_string) {
				rc = -EINVAL;
			} else {
				/* ddns-fwd-name, the name dhcpd registered, wins over it. */
				if (!have_fwd_name)
					printable_copy(r->hostname, sizeof(r->hostname), lx);
				if (!lex_next(lx) || !tok_is(lx, ";"))
					rc = -EINVAL;
			}
		} else if (tok_is(lx, "set")) {
			/* set ddns-fwd-name = "..."; set ddns-rev-name = "..."; others skipped. */
			if (!lex_next(lx)) {
				rc = -EINVAL;
			} else if (tok_is(lx, "ddns-fwd-name") || tok_is(lx, "ddns-rev-name")) {
				bool fwd = tok_is(lx, "ddns-fwd-name");
				if (!lex_next(lx) || !tok_is(lx, "=") || !lex_next(lx) ||
				    !lx->is_string) {
					rc = -EINVAL;
				} else {
					if (fwd) {
						printable_copy(r->hostname, sizeof(r->hostname),
							       lx);
						have_fwd_name = true;
						r->fqdn_fwd = true;
					} else {
						r->fqdn_rev = true;
					}
					if (!lex_next(lx) || !tok_is(lx, ";"))
						rc = -EINVAL;
				}
			} else {
				rc = skip_statement(lx);
				if (rc == 1)
					break;
			}
		} else {
			/* tstp, cltt, atsfp, next binding state, set, on, option ...: not kept. */
			rc = skip_statement(lx);
			if (rc == 1) /* a stray '}' ended the lease */
				break;
		}
		if (rc < 0) {
			set_err(err, lx->line, "lease %u.%u.%u.%u: cannot parse '%s'", r->ip >> 24,
				r->ip >> 16 & 0xff, r->ip >> 8 & 0xff, r->ip & 0xff, lx->tok);
			return -EINVAL;
		}
	}
	(void)have_state;
	r->expire = ends;
	r->cltt = starts;
	if (ends == INT64_MAX) {
		r->valid_lifetime = LEASE_INFINITE;
	} else if (ends > starts && starts > 0 && ends - starts < UINT32_MAX) {
		r->valid_lifetime = (uint32_t)(ends - starts);
	} else {
		r->valid_lifetime = 0;
	}
	return 0;
}

int lease_import_dhcpd(const char *text, size_t len, lease_import_fn fn, void *arg,
		       char err[LEASE_IMPORT_ERR_LEN])
{
	struct lexer lx = { .s = text, .len = len, .line = 1 };
	int count = 0;

	err[0] = '\0';
	while (lex_next(&lx)) {
		if (tok_is(&lx, "lease")) {
			struct lease_import_rec r;
			if (dhcpd_lease(&lx, &r, err) < 0)
				return -EINVAL;
			if (r.state == LEASE_FREE)
				continue;
			int rc = fn(&r, arg);
			if (rc)
				return rc;
			count++;
			continue;
		}
		/* server-duid, authoring-byte-order, failover peer, host, lease6 ... */
		int rc = skip_statement(&lx);
		if (rc < 0) {
			set_err(err, lx.line, "unterminated statement");
			return -EINVAL;
		}
		if (rc == 1) {
			set_err(err, lx.line, "unbalanced '}'");
			return -EINVAL;
		}
	}
	return count;
}

/* ---------------------------------------------------------------- images */

int lease_import_to_image(const struct lease_import_rec *rec, struct lease_image *img)
{
	memset(img, 0, sizeof(*img));
	if (rec->client_id_len) {
		img->key[0] = LEASE_KEY_CLIENT_ID;
		memcpy(img->key + 1, rec->client_id, rec->client_id_len);
		img->key_len = (uint8_t)(1 + rec->client_id_len);
	} else if (rec->hlen) {
		img->key[0] = LEASE_KEY_HWADDR;
		img->key[1] = 1; /* Ethernet, as in every file these come from */
		memcpy(img->key + 2, rec->hwaddr, rec->hlen);
		img->key_len = (uint8_t)(2 + rec->hlen);
	} else {
		return -EINVAL;
	}
	/* The columns that are a field 1:1 (lease/lease_fields.h); the rest by hand. */
#define FROM_COLUMN(name, member, column) img->name = rec->member;
#define FIELD(name, ctype, dim, wire, since, kea, view) LEASE_KEA_APPLY(FROM_COLUMN, name, kea)
	LEASE_FIELD_LIST(FIELD)
#undef FIELD
#undef FROM_COLUMN
	img->state = rec->state;
	img->htype = 1;
	img->hlen = rec->hlen;
	memcpy(img->chaddr, rec->hwaddr, rec->hlen);
	img->expire = rec->expire;
	img->cltt = rec->cltt;
	if (rec->valid_lifetime == LEASE_INFINITE)
		img->expire = INT64_MAX;
	/* The name, as a lease keeps it: lower case, no final dot (lease.h). */
	size_t n = strnlen(rec->hostname, sizeof(rec->hostname));
	if (n > 1 && rec->hostname[n - 1] == '.')
		n--;
	if (n <= LEASE_NAME_MAX) {
		for (size_t i = 0; i < n; i++)
			img->fqdn.bytes[i] = (char)tolower((unsigned char)rec->hostname[i]);
		if (lease_name_valid(img->fqdn.bytes, n)) {
			img->fqdn.len = (uint8_t)n;
			img->dns_flags = (uint8_t)((rec->fqdn_fwd ? LEASE_DNS_F_FWD : 0) |
						   (rec->fqdn_rev ? LEASE_DNS_F_REV : 0));
		} else {
			memset(&img->fqdn, 0, sizeof(img->fqdn));
		}
	}
	return 0;
}

int lease_import_from_lease(const struct lease *l, struct lease_import_rec *rec)
{
	memset(rec, 0, sizeof(*rec));
	if (!l->ip || l->state == LEASE_FREE || l->state == LEASE_OFFERED ||
	    l->key[0] == LEASE_KEY_DECLINED /* probation: no client */)
		return -ENOENT;
#define TO_COLUMN(name, member, column) rec->member = l->name;
#define FIELD(name, ctype, dim, wire, since, kea, view) LEASE_KEA_APPLY(TO_COLUMN, name, kea)
	LEASE_FIELD_LIST(FIELD)
#undef FIELD
#undef TO_COLUMN
	/* Computed columns, not a field 1:1: hwaddr (needs hlen), client_id (the key), expire. */
	rec->hlen = l->hlen <= 16 ? l->hlen : 16;
	memcpy(rec->hwaddr, l->chaddr, rec->hlen);
	if (l->key_len > 1 && l->key[0] == LEASE_KEY_CLIENT_ID) {
		rec->client_id_len = (uint8_t)(l->key_len - 1);
		memcpy(rec->client_id, l->key + 1, rec->client_id_len);
	}
	/* Kea writes an infinite lease with expire = cltt + 0xffffffff. */
	rec->expire = l->lease_secs == LEASE_INFINITE ? l->cltt + (int64_t)UINT32_MAX : l->expire;
	rec->cltt = l->cltt; /* not a Kea column: expire - valid_lifetime there */
	rec->state = l->state; /* renumbered into Kea's states by the writer */
	/* The name as Kea writes an FQDN: with its final dot. */
	size_t n = lease_table_name_get(l, rec->hostname, sizeof(rec->hostname));
	if (n) {
		rec->hostname[n] = '.';
		rec->hostname[n + 1] = '\0';
		rec->fqdn_fwd = (l->dns_flags & LEASE_DNS_F_FWD) != 0;
		rec->fqdn_rev = (l->dns_flags & LEASE_DNS_F_REV) != 0;
	}
	return 0;
}

static void put_hex(FILE *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, i ? ":%02x" : "%02x", b[i]);
}

int lease_export_kea_header(FILE *out)
{
	fputs(KEA_HEADER "\n", out);
	return ferror(out) ? -EIO : 0;
}

int lease_export_kea_line(FILE *out, const struct lease_import_rec *r)
{
	unsigned kea_state = r->state == LEASE_DECLINED ? KEA_STATE_DECLINED
			     : r->state == LEASE_BOUND	? KEA_STATE_DEFAULT
							: KEA_STATE_EXPIRED_RECLAIMED;

	fprintf(out, "%u.%u.%u.%u,", r->ip >> 24, r->ip >> 16 & 0xff, r->ip >> 8 & 0xff,
		r->ip & 0xff);
	put_hex(out, r->hwaddr, r->hlen);
	fputc(',', out);
	put_hex(out, r->client_id, r->client_id_len);
	fprintf(out, ",%u,%lld,%u,%u,%u,", r->valid_lifetime, (long long)r->expire, r->subnet_id,
		r->fqdn_fwd ? 1u : 0u, r->fqdn_rev ? 1u : 0u);
	for (const char *h = r->hostname; *h; h++) {
		if (*h == ',')
			fputs("&#x2c", out);
		else
			fputc(*h, out);
	}
	fprintf(out, ",%u,\n", kea_state);
	return ferror(out) ? -EIO : 0;
}
