/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * On-disk record format shared by the journal and snapshots (DESIGN.md sec 4).
 * Pure encode/decode on buffers so the loader is unit-tested and fuzzed, and
 * so the writer validates each record with the same code that reads it
 * (reliability.md finding 4, CVE-2019-6474).
 *
 * Record layout, all integers little-endian:
 *   u32 magic    JOURNAL_RECORD_MAGIC
 *   u32 length   bytes of body that follow the 24-byte header
 *   u64 seq      journal sequence, strictly increasing within a file
 *   u32 crc      CRC-32C of the body, continued over header bytes 0..15 and
 *                20..23 (everything but the crc field), so a flipped seq or
 *                type is caught like a flipped body byte
 *   u8  type     JOURNAL_REC_*
 *   u8  version  body format: 0 .. JOURNAL_FORMAT_VERSION (every earlier
 *                one is still read); a newer one is BAD_BODY
 *   u8  pad[2]   zero
 *   body         the lease image (see journal_record.c for field order)
 *
 * A new field goes at the end of the body under a new version, so a store
 * written by any earlier version still recovers (its records decode with
 * the new fields zero): one line in LEASE_FIELD_LIST (lease/lease_fields.h)
 * with since = the new version, and JOURNAL_FORMAT_VERSION raised.
 */
#ifndef LW_JOURNAL_RECORD_H
#define LW_JOURNAL_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lease/lease.h"
#include "lease/lease_fields.h"

#define JOURNAL_RECORD_MAGIC 0x4c57524eu /* "LWRN" */
#define JOURNAL_HEADER_LEN 24u
#define JOURNAL_BODY_MAX 512u
/* The body format written; decode also reads every earlier one. */
#define JOURNAL_FORMAT_VERSION 3u
/* Largest record a valid image encodes to: every listed field, key_len, the longest key. */
#define JOURNAL_RECORD_MAX (JOURNAL_HEADER_LEN + LEASE_FIELDS_WIRE_BYTES + 1u + LEASE_KEY_MAX)

enum journal_rec_type {
	JOURNAL_REC_UPSERT = 1, /* the client's lease is now this image */
	JOURNAL_REC_DELETE = 2, /* the client no longer has a record */
};

/*
 * The durable part of a lease: everything but table linkage and
 * bookkeeping. The listed fields in list order (lease/lease_fields.h),
 * then the client key, which the list leaves out (variable length), then
 * the name fields (wire "name"), so that the bytes of a name past its
 * length are the image's tail: a copy of an image may stop at
 * lease_image_used() (a lease without a name is not made to copy 254
 * bytes of nothing).
 */
#define LEASE_IMAGE_MEMBER_u8(name, ctype, dim) ctype name dim;
#define LEASE_IMAGE_MEMBER_le32(name, ctype, dim) ctype name dim;
#define LEASE_IMAGE_MEMBER_le64(name, ctype, dim) ctype name dim;
#define LEASE_IMAGE_MEMBER_raw(name, ctype, dim) ctype name dim;
#define LEASE_IMAGE_MEMBER_name(name, ctype, dim)
#define LEASE_IMAGE_TAIL_u8(name, ctype, dim)
#define LEASE_IMAGE_TAIL_le32(name, ctype, dim)
#define LEASE_IMAGE_TAIL_le64(name, ctype, dim)
#define LEASE_IMAGE_TAIL_raw(name, ctype, dim)
#define LEASE_IMAGE_TAIL_name(name, ctype, dim) ctype name dim;
struct lease_image {
#define LEASE_IMAGE_MEMBER(name, ctype, dim, wire, ...) LEASE_IMAGE_MEMBER_##wire(name, ctype, dim)
	LEASE_FIELD_LIST(LEASE_IMAGE_MEMBER)
#undef LEASE_IMAGE_MEMBER
	uint8_t key_len;
	uint8_t key[LEASE_KEY_MAX];
#define LEASE_IMAGE_TAIL(name, ctype, dim, wire, ...) LEASE_IMAGE_TAIL_##wire(name, ctype, dim)
	LEASE_FIELD_LIST(LEASE_IMAGE_TAIL)
#undef LEASE_IMAGE_TAIL
};
_Static_assert(offsetof(struct lease_image, fqdn) + sizeof(struct lease_name) +
		       _Alignof(struct lease_image) >
		   sizeof(struct lease_image),
	       "struct lease_image: the name is the tail (padding only after it)");

/*
 * Bytes of img that hold something: all but the unused end of the name.
 * A copy of this many bytes is the image (struct lease_event copies on
 * the fast path stop there: lease_event_used(), dhcp/dhcp_server.h).
 */
static inline size_t lease_image_used(const struct lease_image *img)
{
	return offsetof(struct lease_image, fqdn.bytes) + img->fqdn.len + 1u;
}

/*
 * The image of l. Its name is read from l's table (lease_table_name_get),
 * so l must be a record of a lease table (published, or being built by
 * the caller) or hold no name; any thread holding l under RCU. Every byte
 * of img up to lease_image_used() is written (zero where unused), so equal
 * leases give images equal in those bytes; the name's bytes past its NUL
 * are left as they were (what a copy may leave out anyway).
 */
void lease_image_from_lease(struct lease_image *img, const struct lease *l);
/*
 * Fill the durable fields of l from img (linkage untouched; key_hash
 * computed), but for the name: a record's name lives in its table's name
 * slab and is set with lease_table_name_set() (dhcp_server_apply_image
 * does); l->fqdn is left as it was.
 */
void lease_image_to_lease(struct lease *l, const struct lease_image *img);

/*
 * Failover pool ownership in the journal and snapshots (lease_table.h):
 * a pool address made BACKUP is an UPSERT of the image lease_image_backup()
 * builds (key [LEASE_KEY_BACKUP, ip BE], state LEASE_BACKUP, ip; every
 * other field zero), made FREE again a DELETE of that key. Such images are
 * no lease: recovery (dhcp_server_apply_image) turns them into the
 * address's ownership bit, they take no record and no slot, and a
 * snapshot writes one per BACKUP address from the table's bitmaps. The
 * record format is unchanged (LEASE_BACKUP was already a valid state),
 * so stores written before have none and recover with every address FREE.
 */
void lease_image_backup(struct lease_image *img, uint32_t ip);

/* True if img is a LEASE_KEY_BACKUP ownership image; *ip is its address. Pure. */
static inline bool lease_image_is_backup(const struct lease_image *img, uint32_t *ip)
{
	if (img->key_len != LEASE_KEY_BACKUP_LEN || img->key[0] != LEASE_KEY_BACKUP)
		return false;
	*ip = (uint32_t)img->key[1] << 24 | (uint32_t)img->key[2] << 16 |
	      (uint32_t)img->key[3] << 8 | img->key[4];
	return true;
}

/*
 * The one validation shared by encode and decode: type UPSERT or DELETE,
 * key_len 1..LEASE_KEY_MAX, hlen <= 16, state < LEASE_STATE__COUNT,
 * dns_flags only LEASE_DNS_F_ALL, a name empty or lease_name_valid().
 * Returns 0 or -EINVAL. Pure; any thread.
 */
int journal_record_validate(unsigned type, const struct lease_image *img);

/*
 * Encode one record into buf (cap bytes). Returns bytes written or -ENOSPC /
 * -EINVAL (image fails validation: key_len 0 or > LEASE_KEY_MAX, hlen > 16,
 * state out of range).
 */
int journal_record_encode(uint8_t *buf, size_t cap, uint64_t seq, enum journal_rec_type type,
			  const struct lease_image *img);

enum journal_decode_result {
	JOURNAL_DECODE_OK = 0,
	JOURNAL_DECODE_SHORT, /* fewer bytes than the header or the length says: torn tail */
	JOURNAL_DECODE_BAD_MAGIC,
	JOURNAL_DECODE_BAD_LEN, /* length 0 or > JOURNAL_BODY_MAX */
	JOURNAL_DECODE_BAD_CRC,
	JOURNAL_DECODE_BAD_BODY, /* CRC fine but the image fails validation */
};

/*
 * Decode the record at buf[0..len). On OK fills seq/type/img and *consumed.
 * On BAD_CRC or BAD_BODY *consumed is the record's full length so the caller
 * may skip it; on SHORT/BAD_MAGIC/BAD_LEN *consumed is 0. Never reads past len.
 */
enum journal_decode_result journal_record_decode(const uint8_t *buf, size_t len, uint64_t *seq,
						 uint8_t *type, struct lease_image *img,
						 size_t *consumed);

const char *journal_decode_result_name(enum journal_decode_result r);

#endif
