/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one list of a lease's durable fields. Every place that handles the
 * fields one by one expands this list instead of naming them, so a new
 * field (failover, DNS) is one line here, and no copy can forget it the way
 * addr_version was once left out of a hand-written copy:
 *
 *   struct lease_image and its copies to and from struct lease
 *     (lease/journal_record.[ch]; struct lease itself stays hand-written,
 *     see below),
 *   the journal record encoder and decoder, format-aware
 *     (lease/journal_record.c),
 *   the Kea CSV fields that are a column 1:1 (lease/lease_import.c),
 *   the per-field lines of "show lease" and keys of /leasewire/lease
 *     (mgmt/lease_view.c, shell/shell_leases.c, telemetry/telemetry.c).
 *
 * X(name, ctype, dim, wire, since, kea, view)
 *   name   the member of struct lease and of struct lease_image
 *   ctype  its C type; dim its array suffix ([16]) or empty
 *   wire   journal encoding: u8, le32, le64 (two's complement), raw (every
 *          byte of the member, so the encoding is canonical), name (a
 *          struct lease_name: u8 len, then len bytes; in struct lease the
 *          member is a struct lease_name_ref into the table's name slab,
 *          and in struct lease_image it comes after the key, so that an
 *          image's unused name bytes are its tail)
 *   since  the journal record format that first carried it. A record of
 *          format N holds the fields of since <= N; the decoder reads a
 *          field only from records of format >= since and leaves it zero
 *          otherwise. On disk, the since-0 fields come first in list order,
 *          then key_len and the key, then each later format's fields in
 *          list order: a new field takes since = a new format and goes
 *          last, and JOURNAL_FORMAT_VERSION (lease/journal_record.h) rises.
 *   kea    LEASE_KEA(member, "column"): the field is the Kea lease4 CSV
 *          column "column", member of struct lease_import_rec, value for
 *          value; or LEASE_KEA_NONE (no column, or one Kea computes:
 *          expire is cltt + 0xffffffff for an infinite lease, hwaddr needs
 *          hlen, the state is renumbered).
 *   view   LEASE_VIEW(kind, "label", "key"): the field's line "label" in
 *          "show lease" and key "key" in /leasewire/lease, formatted by
 *          kind (enum lease_view_kind, mgmt/lease_view.h); or
 *          LEASE_VIEW_NONE when it is shown only with others (chaddr,
 *          hlen and htype make "hardware").
 *
 * Failover (format 2): partner_expire (format 0) is the PET the partner
 * acked (ISC tsfp/atsfp); fo_status is the draft-12 binding-status
 * (failover/fo_codes.h, 0 = not under failover), fo_flags LEASE_FO_F_*,
 * stos the start time of that status, sent_pet the PET we sent (ISC tstp).
 * All four stay 0 for a standalone server, so its records only grow.
 *
 * DNS (format 3): dns_flags (LEASE_DNS_F_*, lease/lease.h) and fqdn, the
 * client's name, out of line in struct lease (a reference, 0 = none) and
 * inline in the image; both stay 0 for a lease without a name, so such a
 * record grows by two bytes. Kea's hostname, fqdn_fwd and fqdn_rev come
 * from them by hand (lease/lease_import.c).
 *
 * Not in the list, and so hand-written where they appear: the client key
 * (key_len + key, variable length, sits between the format 0 and later
 * fields on disk, and becomes Kea's hwaddr or client_id by its type byte),
 * and what is not durable (table linkage, key_hash, journal_seq, slab_id).
 * struct lease is not generated from the list: the worker touches it on
 * every packet and its layout (fields in padding, cache lines) is chosen
 * by hand; journal_record.c asserts it has every listed field, same type.
 */
#ifndef LW_LEASE_FIELDS_H
#define LW_LEASE_FIELDS_H

#define LEASE_FIELD_LIST(X) \
	X(ip, uint32_t, , le32, 0, LEASE_KEA(ip, "address"), LEASE_VIEW(LV_IP4, "address", "ip")) \
	X(subnet_id, uint32_t, , le32, 0, LEASE_KEA(subnet_id, "subnet_id"), \
	  LEASE_VIEW(LV_UINT, "subnet", "subnet_id")) \
	X(state, uint8_t, , u8, 0, LEASE_KEA_NONE, LEASE_VIEW(LV_STATE, "state", "state")) \
	X(flags, uint8_t, , u8, 0, LEASE_KEA_NONE, LEASE_VIEW(LV_FLAGS, "flags", "flags")) \
	X(htype, uint8_t, , u8, 0, LEASE_KEA_NONE, LEASE_VIEW_NONE) \
	X(hlen, uint8_t, , u8, 0, LEASE_KEA_NONE, LEASE_VIEW_NONE) \
	X(chaddr, uint8_t, [16], raw, 0, LEASE_KEA_NONE, LEASE_VIEW_NONE) \
	X(cltt, int64_t, , le64, 0, LEASE_KEA_NONE, LEASE_VIEW(LV_TIME, "cltt", "cltt")) \
	X(expire, int64_t, , le64, 0, LEASE_KEA_NONE, LEASE_VIEW(LV_EXPIRY, "expires", "expire")) \
	X(lease_secs, uint32_t, , le32, 0, LEASE_KEA(valid_lifetime, "valid_lifetime"), \
	  LEASE_VIEW(LV_SECS, "lease time", "lease_secs")) \
	X(partner_expire, int64_t, , le64, 0, LEASE_KEA_NONE, \
	  LEASE_VIEW(LV_TIME, "partner expiry", "partner_expire")) \
	X(addr_version, uint32_t, , le32, 1, LEASE_KEA_NONE, \
	  LEASE_VIEW(LV_UINT, "addr version", "addr_version")) \
	X(fo_status, uint8_t, , u8, 2, LEASE_KEA_NONE, \
	  LEASE_VIEW(LV_FO_STATUS, "failover status", "fo_status")) \
	X(fo_flags, uint8_t, , u8, 2, LEASE_KEA_NONE, \
	  LEASE_VIEW(LV_FO_FLAGS, "fo flags", "fo_flags")) \
	X(stos, int64_t, , le64, 2, LEASE_KEA_NONE, LEASE_VIEW(LV_TIME, "start of state", "stos")) \
	X(sent_pet, int64_t, , le64, 2, LEASE_KEA_NONE, \
	  LEASE_VIEW(LV_TIME, "sent PET", "sent_pet")) \
	X(dns_flags, uint8_t, , u8, 3, LEASE_KEA_NONE, \
	  LEASE_VIEW(LV_DNS_FLAGS, "dns state", "dns_flags")) \
	X(fqdn, struct lease_name, , name, 3, LEASE_KEA_NONE, LEASE_VIEW(LV_NAME, "fqdn", "fqdn"))

/*
 * The kea and view arguments expand to "on, ..." so that a consumer can
 * expand something for the fields that have one and nothing for the rest:
 *   LEASE_KEA_APPLY(F, name, kea)   -> F(name, member, "column") or nothing
 *   LEASE_VIEW_APPLY(F, name, view) -> F(name, kind, "label", "key") or nothing
 */
#define LEASE_KEA(member, column) 1, member, column
#define LEASE_KEA_NONE 0, _, ""
#define LEASE_VIEW(kind, label, key) 1, kind, label, key
#define LEASE_VIEW_NONE 0, _, "", ""

#define LEASE_FIELD_IF_0(F, args)
#define LEASE_FIELD_IF_1(F, args) F args
#define LEASE_FIELD_IF(on, F, args) LEASE_FIELD_IF_##on(F, args)
#define LEASE_KEA_APPLY(F, name, ...) LEASE_KEA_APPLY_(F, name, __VA_ARGS__)
#define LEASE_KEA_APPLY_(F, name, on, member, column) LEASE_FIELD_IF(on, F, (name, member, column))
#define LEASE_VIEW_APPLY(F, name, ...) LEASE_VIEW_APPLY_(F, name, __VA_ARGS__)
#define LEASE_VIEW_APPLY_(F, name, on, kind, label, key) \
	LEASE_FIELD_IF(on, F, (name, kind, label, key))

/*
 * Wire bytes of a field by its encoding, from the size of its image
 * member: the most it takes (a name: its length byte and LEASE_NAME_MAX
 * bytes, not the NUL the image keeps after them).
 */
#define LEASE_WIRE_SIZE_u8(n) 1u
#define LEASE_WIRE_SIZE_le32(n) 4u
#define LEASE_WIRE_SIZE_le64(n) 8u
#define LEASE_WIRE_SIZE_raw(n) (n)
#define LEASE_WIRE_SIZE_name(n) (1u + LEASE_NAME_MAX)
#define LEASE_WIRE_SIZE(wire, n) LEASE_WIRE_SIZE_##wire(n)

/*
 * Wire bytes of every listed field at most, and of the format 0 ones (the
 * part of the body before the key). Neither counts key_len or the key.
 */
#define LEASE_FIELD_SIZE_(name, ctype, dim, wire, ...) +LEASE_WIRE_SIZE(wire, sizeof(ctype dim))
#define LEASE_FIELD_SIZE_V0_(name, ctype, dim, wire, since, ...) \
	+((since) == 0 ? LEASE_WIRE_SIZE(wire, sizeof(ctype dim)) : 0)
#define LEASE_FIELDS_WIRE_BYTES ((size_t)0 LEASE_FIELD_LIST(LEASE_FIELD_SIZE_))
#define LEASE_FIELDS_WIRE_BYTES_V0 ((size_t)0 LEASE_FIELD_LIST(LEASE_FIELD_SIZE_V0_))

#endif
