/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DNS UPDATE messages of the update engine and the check of their
 * answers: the only file of control/ddns/ that knows ldns. Builds the exact
 * RFC 4703 prerequisite/update sets (specs ddns.md sec 4, Kea D2's nc_add.cc
 * and nc_remove.cc) and the cheaper sets of Kea's other conflict modes
 * (sec 4.5), signs them with TSIG (RFC 8945) and checks an answer byte by
 * byte before anything of it is believed: our own bounded walk of the
 * header and the records first (so ldns only ever parses a message whose
 * framing is sound, with exactly one TSIG, last), then ldns's MAC check,
 * then what ldns does not check (sec 8.3): id, QR, opcode, key and
 * algorithm name, the TSIG Error field, Time Signed within the fudge.
 *
 * Pure but for the clock that ldns_pkt_tsig_sign reads itself: no socket,
 * no global; any thread, each message owned by its caller.
 */
#ifndef LW_DDNS_MSG_H
#define LW_DDNS_MSG_H

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define DDNS_DHCID_LEN 35 /* RFC 4701 sec 3: type(2) digest-type(1) SHA-256(32) */
#define DDNS_TSIG_FUDGE 300 /* RFC 8945 sec 5.2.3's recommendation; what BIND uses */

/*
 * One message of a transaction. The names say the step of ddns.md sec 4
 * (F = the FQDN, R = the reverse name, D = our DHCID, T = the TTL).
 */
enum ddns_msg_kind {
	/* check-with-dhcid (RFC 4703), the default */
	DDNS_MSG_ADD_FWD = 0, /* sec 4.1 step 1: F NONE ANY; add A, DHCID */
	DDNS_MSG_REPLACE_FWD, /* step 2: F ANY ANY, F IN DHCID D; del A RRset, add A */
	DDNS_MSG_ADD_REV, /* sec 4.2: del PTR, DHCID RRsets at R; add PTR F, DHCID D */
	DDNS_MSG_REMOVE_FWD_A, /* sec 4.3 step 1: F IN DHCID D; del that A */
	DDNS_MSG_REMOVE_FWD_RRS, /* step 2: F IN DHCID D, F NONE A, F NONE AAAA; del ANY */
	DDNS_MSG_REMOVE_REV, /* R IN PTR F, R IN DHCID D; del ANY at R */
	DDNS_MSG_REMOVE_REV_LEGACY, /* R IN PTR F, R NONE DHCID; del ANY (a PTR without DHCID) */
	/* check-exists-with-dhcid (Kea CheckExists*) */
	DDNS_MSG_REPLACE_FWD_EXISTS, /* F ANY DHCID; del A, DHCID RRsets; add A, DHCID */
	DDNS_MSG_REMOVE_FWD_A_EXISTS, /* F ANY DHCID; del that A */
	DDNS_MSG_REMOVE_FWD_RRS_EXISTS, /* F NONE A, F NONE AAAA; del DHCID RRset */
	DDNS_MSG_REMOVE_REV_PTR, /* R IN PTR F; del ANY at R (Kea's own reverse removal) */
	/* no-check-with-dhcid (Kea Simple*) */
	DDNS_MSG_ADD_FWD_SIMPLE, /* no prerequisite: del A, DHCID RRsets; add A, DHCID */
	DDNS_MSG_REMOVE_FWD_SIMPLE, /* no prerequisite: del A, DHCID RRsets */
	DDNS_MSG_REMOVE_REV_SIMPLE, /* no prerequisite: del PTR, DHCID RRsets at R */
	/* no-check-without-dhcid (Kea *WithoutDHCID): no DHCID anywhere */
	DDNS_MSG_ADD_FWD_NODHCID, /* del A RRset; add A */
	DDNS_MSG_ADD_REV_NODHCID, /* del PTR RRset; add PTR */
	DDNS_MSG_REMOVE_FWD_NODHCID, /* del A RRset */
	DDNS_MSG_REMOVE_REV_NODHCID, /* del PTR RRset */
	DDNS_MSG_KIND_COUNT
};

/* "add-fwd", ... for log lines. */
const char *ddns_msg_kind_name(enum ddns_msg_kind kind);

/* Whether a kind updates the forward zone (else the reverse zone). */
bool ddns_msg_kind_is_fwd(enum ddns_msg_kind kind);

struct ddns_msg_args {
	const char *zone; /* the matched zone apex, absolute: "example.test." */
	const char *fqdn; /* absolute */
	const char *rname; /* the reverse name, absolute: "5.2.0.192.in-addr.arpa." */
	uint32_t ip; /* host order */
	uint32_t ttl;
	const uint8_t *dhcid; /* DDNS_DHCID_LEN octets (unused by the _NODHCID kinds) */
};

/*
 * The unsigned UPDATE for kind, RD clear, id 0 (ddns_msg_sign sets both the
 * id and the TSIG). NULL when a name does not parse or memory runs out.
 */
ldns_pkt *ddns_msg_build(enum ddns_msg_kind kind, const struct ddns_msg_args *a);

/*
 * Whether ldns can sign with key: an algorithm it implements
 * (hmac-sha256, -sha512, -sha1, -md5), a secret that is base64, a name.
 */
bool ddns_msg_key_ok(const struct cfg_tsig_key *key);

/*
 * Give p the id, drop a TSIG from an earlier attempt (ldns would sign it
 * along, sec 8.3), sign with key (fudge DDNS_TSIG_FUDGE, now from
 * gettimeofday) and serialise. On success *wire (free()) and *len hold the
 * message and *mac a copy of its MAC (ldns_rdf_deep_free; the answer's MAC
 * covers it, RFC 8945 sec 5.3). 0, or -EINVAL (the key does not sign: bad
 * base64, an algorithm ldns lacks), -ENOMEM.
 */
int ddns_msg_sign(ldns_pkt *p, uint16_t id, const struct cfg_tsig_key *key, uint8_t **wire,
		  size_t *len, ldns_rdf **mac);

/* What an answer is worth, in the order of the checks. */
enum ddns_verdict {
	DDNS_V_OK = 0, /* authentic: rcode is the server's word */
	DDNS_V_TRUNCATED, /* TC=1: ask again over TCP (RFC 2136 sec 3.8 / RFC 1035 4.2.2) */
	DDNS_V_TSIG_ERROR, /* NOTAUTH + BADSIG/BADKEY/BADTRUNC, unsigned (RFC 8945 sec 5.3.2) */
	DDNS_V_BADTIME, /* NOTAUTH + BADTIME, signed by the server: our clock or its */
	DDNS_V_UNSIGNED, /* no TSIG at all */
	DDNS_V_BAD_KEY, /* signed with another key name or algorithm */
	DDNS_V_BAD_MAC, /* the MAC does not verify */
	DDNS_V_BAD_TIME, /* signed, but Time Signed is outside now +- fudge: a replay? */
	DDNS_V_NOT_ANSWER, /* QR=0 or opcode is not UPDATE */
	DDNS_V_WRONG_ID, /* another message's id */
	DDNS_V_GARBLED, /* does not parse, or a second / misplaced TSIG */
	DDNS_V_COUNT
};

const char *ddns_verdict_name(enum ddns_verdict v);

struct ddns_answer {
	uint16_t id;
	uint8_t rcode; /* LDNS_RCODE_* (4-bit header rcode; no EDNS extension in UPDATE) */
	uint16_t tsig_error; /* 0, 16 BADSIG, 17 BADKEY, 18 BADTIME, 22 BADTRUNC */
	uint64_t server_time; /* BADTIME: the server's clock (Other Data), else Time Signed */
};

/*
 * Check the answer wire[len] to the request with id whose MAC was req_mac,
 * signed with key; now_s is the wall clock (seconds since 1970). Fills *ans
 * as far as the message could be read (id first, then rcode and TSIG
 * error), returns the verdict. Only DDNS_V_OK and DDNS_V_BADTIME come from
 * the key's holder; every other verdict may be forged and must not end the
 * wait (ddns.md sec 5.4). Reads wire only; any length.
 */
enum ddns_verdict ddns_msg_check(const uint8_t *wire, size_t len, uint16_t id,
				 const struct cfg_tsig_key *key, const ldns_rdf *req_mac,
				 int64_t now_s, struct ddns_answer *ans);

/* "5.2.0.192.in-addr.arpa." for 192.0.2.5 (host order) into out[CFG_DNS_NAME_MAX]. */
void ddns_msg_reverse_name(uint32_t ip, char *out);

#endif
