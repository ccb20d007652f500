/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The failover protocol's numbers, as X-macro lists: message types
 * (draft-ietf-dhc-failover-12 sec 6.1), option codes with the value kind
 * and the lengths a receiver accepts (sec 12.x), and the value tables of
 * binding-status, server-state and reject-reason (sec 12.3, 12.24, 12.21).
 * The numbering is draft-12's, which ISC dhcpd >= 3.1.0 follows; the
 * draft-07 / ISC 3.0.x numbering is incompatible and not spoken
 * (../shared/specs/failover.md sec 3, 4).
 */
#ifndef LW_FO_CODES_H
#define LW_FO_CODES_H

/*
 * The value lists read X(enum prefix, enum suffix, number, "name"), so one
 * expansion makes every enum: FO_MSG_BNDUPD, FO_STATE_NORMAL, ...
 */
#define FO_VALUE_ENUM(pfx, name, num, str) FO_##pfx##_##name = num,

/*
 * Message types. Draft-12 numbering = ISC 4.x FTM_*;
 * ISC 3.0.x had UPDREQ and UPDREQALL swapped.
 */
// clang-format off
#define FO_MSG_TYPE_LIST(X) \
	X(MSG, POOLREQ,    1,  "POOLREQ") \
	X(MSG, POOLRESP,   2,  "POOLRESP") \
	X(MSG, BNDUPD,     3,  "BNDUPD") \
	X(MSG, BNDACK,     4,  "BNDACK") \
	X(MSG, CONNECT,    5,  "CONNECT") \
	X(MSG, CONNECTACK, 6,  "CONNECTACK") \
	X(MSG, UPDREQALL,  7,  "UPDREQALL") \
	X(MSG, UPDDONE,    8,  "UPDDONE") \
	X(MSG, UPDREQ,     9,  "UPDREQ") \
	X(MSG, STATE,      10, "STATE") \
	X(MSG, CONTACT,    11, "CONTACT") \
	X(MSG, DISCONNECT, 12, "DISCONNECT")
// clang-format on

enum fo_msg_type { FO_MSG_TYPE_LIST(FO_VALUE_ENUM) };

#define FO_MSG_TYPE_MAX 12u

/*
 * How an option's value is read and written. U8/U16/U32 are big-endian
 * integers; TIME is U32 seconds since 1970 (draft sec 6.2, unsigned); IP is
 * an IPv4 address, host order once decoded; BYTES and TEXT are opaque
 * (TEXT is meant as NVT ASCII / UTF-8 and is never NUL terminated).
 */
enum fo_kind {
	FO_KIND_U8,
	FO_KIND_U16,
	FO_KIND_U32,
	FO_KIND_TIME,
	FO_KIND_IP,
	FO_KIND_BYTES,
	FO_KIND_TEXT,
};

/* No upper bound beyond the message's own (FO_MSG_MAX). */
#define FO_LEN_ANY 0xffffu

/*
 * X(enum suffix, accessor name, code, "draft name", kind, min len, max len).
 * The lengths are those ISC 4.4.3 enforces (server/stables.c, a mismatch is
 * a protocol error there and drops the connection; specs sec 2, sec 12
 * pitfall 3): exactly 1 / 2 / 4 for the fixed kinds, IP-flags 2 (the draft's
 * figure says 1: erratum), HBA exactly 32. The variable ones keep the
 * minimum their layout needs: a hardware type byte for chaddr (plus at most
 * the 16 bytes of a BOOTP chaddr), the 2 flag bytes of DDNS, the type byte
 * of a digest.
 */
// clang-format off
#define FO_OPT_LIST(X) \
	X(ADDRESSES_TRANSFERRED, addresses_transferred, 1,  "addresses-transferred",        U32,   4,  4) \
	X(ASSIGNED_IP,           assigned_ip,           2,  "assigned-IP-address",          IP,    4,  4) \
	X(BINDING_STATUS,        binding_status,        3,  "binding-status",               U8,    1,  1) \
	X(CLIENT_ID,             client_id,             4,  "client-identifier",            BYTES, 0,  FO_LEN_ANY) \
	X(CHADDR,                chaddr,                5,  "client-hardware-address",      BYTES, 1,  17) \
	X(CLTT,                  cltt,                  6,  "client-last-transaction-time", TIME,  4,  4) \
	X(CLIENT_REPLY_OPTIONS,  client_reply_options,  7,  "client-reply-options",         BYTES, 0,  FO_LEN_ANY) \
	X(CLIENT_REQUEST_OPTIONS, client_request_options, 8, "client-request-options",      BYTES, 0,  FO_LEN_ANY) \
	X(DDNS,                  ddns,                  9,  "DDNS",                         BYTES, 2,  FO_LEN_ANY) \
	X(DELAYED_SERVICE,       delayed_service,       10, "delayed-service-parameter",    U8,    1,  1) \
	X(HBA,                   hba,                   11, "hash-bucket-assignment",       BYTES, 32, 32) \
	X(IP_FLAGS,              ip_flags,              12, "IP-flags",                     U16,   2,  2) \
	X(LEASE_EXPIRATION,      lease_expiration,      13, "lease-expiration-time",        TIME,  4,  4) \
	X(MAX_UNACKED,           max_unacked,           14, "max-unacked-bndupd",           U32,   4,  4) \
	X(MCLT,                  mclt,                  15, "MCLT",                         U32,   4,  4) \
	X(MESSAGE,               message,               16, "message",                      TEXT,  0,  FO_LEN_ANY) \
	X(MESSAGE_DIGEST,        message_digest,        17, "message-digest",               BYTES, 1,  FO_LEN_ANY) \
	X(PET,                   potential_expiration,  18, "potential-expiration-time",    TIME,  4,  4) \
	X(RECEIVE_TIMER,         receive_timer,         19, "receive-timer",                U32,   4,  4) \
	X(PROTOCOL_VERSION,      protocol_version,      20, "protocol-version",             U8,    1,  1) \
	X(REJECT_REASON,         reject_reason,         21, "reject-reason",                U8,    1,  1) \
	X(RELATIONSHIP_NAME,     relationship_name,     22, "relationship-name",            TEXT,  0,  FO_LEN_ANY) \
	X(SERVER_FLAGS,          server_flags,          23, "server-flags",                 U8,    1,  1) \
	X(SERVER_STATE,          server_state,          24, "server-state",                 U8,    1,  1) \
	X(START_TIME_OF_STATE,   start_time_of_state,   25, "start-time-of-state",          TIME,  4,  4) \
	X(TLS_REPLY,             tls_reply,             26, "TLS-reply",                    U8,    1,  1) \
	X(TLS_REQUEST,           tls_request,           27, "TLS-request",                  U8,    1,  1) \
	X(VENDOR_CLASS,          vendor_class,          28, "vendor-class-identifier",      TEXT,  0,  FO_LEN_ANY) \
	X(VENDOR_OPTIONS,        vendor_options,        29, "vendor-specific-options",      BYTES, 0,  FO_LEN_ANY)
// clang-format on

enum fo_opt_code {
#define FO_OPT_ENUM(name, lower, code, str, kind, min, max) FO_OPT_##name = code,
	FO_OPT_LIST(FO_OPT_ENUM)
#undef FO_OPT_ENUM
};

/* Highest draft-12 code; 30-41 are Microsoft's (MS-DHCPF), skipped as unknown for now. */
#define FO_OPT_CODE_MAX 29u

/* binding-status, draft sec 12.3 (ISC FTS_* put on the wire verbatim). */
// clang-format off
#define FO_BINDING_STATUS_LIST(X) \
	X(BINDING, FREE,      1, "free") \
	X(BINDING, ACTIVE,    2, "active") \
	X(BINDING, EXPIRED,   3, "expired") \
	X(BINDING, RELEASED,  4, "released") \
	X(BINDING, ABANDONED, 5, "abandoned") \
	X(BINDING, RESET,     6, "reset") \
	X(BINDING, BACKUP,    7, "backup")
// clang-format on

enum fo_binding_status { FO_BINDING_STATUS_LIST(FO_VALUE_ENUM) };

/*
 * server-state, draft sec 12.24. RECOVER-WAIT has no draft number: ISC sends
 * 254 (includes/failover.h recover_wait), and so do we.
 */
// clang-format off
#define FO_SERVER_STATE_LIST(X) \
	X(STATE, STARTUP,                1,   "startup") \
	X(STATE, NORMAL,                 2,   "normal") \
	X(STATE, COMM_INTERRUPTED,       3,   "communications-interrupted") \
	X(STATE, PARTNER_DOWN,           4,   "partner-down") \
	X(STATE, POTENTIAL_CONFLICT,     5,   "potential-conflict") \
	X(STATE, RECOVER,                6,   "recover") \
	X(STATE, PAUSED,                 7,   "paused") \
	X(STATE, SHUTDOWN,               8,   "shutdown") \
	X(STATE, RECOVER_DONE,           9,   "recover-done") \
	X(STATE, RESOLUTION_INTERRUPTED, 10,  "resolution-interrupted") \
	X(STATE, CONFLICT_DONE,          11,  "conflict-done") \
	X(STATE, RECOVER_WAIT,           254, "recover-wait")
// clang-format on

enum fo_server_state { FO_SERVER_STATE_LIST(FO_VALUE_ENUM) };

/* server-flags bit 0 (draft sec 12.23): the sender is in STARTUP, the state is its previous one. */
#define FO_SERVER_FLAG_STARTUP 0x01u
/* IP-flags (draft sec 12.12, bits from the LSB): R reserved, B BOOTP. */
#define FO_IP_FLAG_RESERVED 0x0001u
#define FO_IP_FLAG_BOOTP 0x0002u

/* reject-reason, draft sec 12.21 (= ISC FTR_*; the sec 7.8.2 "19" for HBA is an erratum). */
// clang-format off
#define FO_REJECT_LIST(X) \
	X(REJECT, ILLEGAL_IP_ADDR,     1,   "illegal IP address (not part of any address pool)") \
	X(REJECT, FATAL_CONFLICT,      2,   "fatal conflict exists: address in use by other client") \
	X(REJECT, MISSING_BINDINFO,    3,   "missing binding information") \
	X(REJECT, TIMEMISMATCH,        4,   "connection rejected, time mismatch too great") \
	X(REJECT, INVALID_MCLT,        5,   "connection rejected, invalid MCLT value") \
	X(REJECT, MISC_REJECT,         6,   "connection rejected, unknown reason") \
	X(REJECT, DUP_CONNECTION,      7,   "connection rejected, duplicate connection") \
	X(REJECT, INVALID_PARTNER,     8,   "connection rejected, invalid failover partner") \
	X(REJECT, TLS_UNSUPPORTED,     9,   "TLS not supported") \
	X(REJECT, TLS_UNCONFIGURED,    10,  "TLS supported but not configured") \
	X(REJECT, TLS_REQUIRED,        11,  "TLS required but not supported by partner") \
	X(REJECT, DIGEST_UNSUPPORTED,  12,  "message digest not supported") \
	X(REJECT, DIGEST_UNCONFIGURED, 13,  "message digest not configured") \
	X(REJECT, VERSION_MISMATCH,    14,  "protocol version mismatch") \
	X(REJECT, OUTDATED_BIND_INFO,  15,  "outdated binding information") \
	X(REJECT, LESS_CRIT_BIND_INFO, 16,  "less critical binding information") \
	X(REJECT, NO_TRAFFIC,          17,  "no traffic within sufficient time") \
	X(REJECT, HBA_CONFLICT,        18,  "hash bucket assignment conflict") \
	X(REJECT, IP_NOT_RESERVED,     19,  "IP not reserved on this server") \
	X(REJECT, DIGEST_FAILED,       20,  "message digest failed to compare") \
	X(REJECT, MISSING_DIGEST,      21,  "missing message digest") \
	X(REJECT, UNKNOWN,             254, "unknown error")
// clang-format on

enum fo_reject_reason { FO_REJECT_LIST(FO_VALUE_ENUM) };

/* Names for logs and the shell; "unknown" for a number no list holds. Any thread. */
const char *fo_msg_type_name(unsigned type);
const char *fo_opt_name(unsigned code);
const char *fo_binding_status_name(unsigned status);
const char *fo_server_state_name(unsigned state);
const char *fo_reject_reason_name(unsigned reason);

#endif
