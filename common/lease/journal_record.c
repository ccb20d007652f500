/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Journal record codec (DESIGN.md sec 4). Pure: bytes in, image or error out.
 *
 * Body layout, all integers little-endian, 57 + key_len bytes:
 *    0 u32 ip             host-order value, stored LE
 *    4 u32 subnet_id
 *    8 u8  state
 *    9 u8  flags
 *   10 u8  htype
 *   11 u8  hlen
 *   12 u8  chaddr[16]     all 16 bytes, so the encoding is canonical
 *   28 i64 cltt
 *   36 i64 expire
 *   44 u32 lease_secs
 *   48 i64 partner_expire
 *   56 u8  key_len
 *   57 u8  key[key_len]
 * format 1 adds, after the key:
 *      u32 addr_version   the address's version (struct lease), which
 *                         orders records of one address across workers
 * format 2 adds, after that (failover, draft-12 sec 5.2, 7.1):
 *      u8  fo_status      binding-status (failover/fo_codes.h), 0 = none
 *      u8  fo_flags       LEASE_FO_F_*
 *      i64 stos           start time of that status
 *      i64 sent_pet       potential expiration time we sent the partner
 * format 3 adds, after that (DNS updates, lease/lease.h):
 *      u8  dns_flags      LEASE_DNS_F_*
 *      u8  fqdn_len       0 = no name, else 1..253
 *      u8  fqdn[fqdn_len] the name, presentation form (lease_name_valid)
 *
 * This table documents formats 0 to 3; the code that writes and reads
 * it is expanded from LEASE_FIELD_LIST (lease/lease_fields.h), and the
 * assertions below tie the two (57 bytes before the key, 4 + 18 + 2 after,
 * plus the name). The key
 * is hand-written here: it is not in the list (variable length, and it
 * sits between the format 0 fields and the later ones).
 *
 * The writer runs the same validation as the reader (journal_record_validate)
 * so nothing is written that recovery would refuse: ISC dhcpd wrote leases
 * its own loader rejected (CVE-2019-6474, reliability.md D08).
 */
#include <errno.h>
#include <string.h>

#include "dhcp/client_key.h"
#include "base/le_bytes.h"
#include "base/crc32c.h"
#include "lease/journal_record.h"
#include "lease/lease_table.h"
#include "wire/wire.h"

/*
 * The layout of formats 0, 1, 2 and 3 is on disk in stores: the list must
 * keep producing it (57 bytes before the key, 4 after it, then 18, then
 * 2 + the name). A later format adds its own fields and leaves these alone.
 */
#define FORMAT_N_BYTES(name, ctype, dim, wire, since, n) \
	+((since) == (n) ? LEASE_WIRE_SIZE(wire, sizeof(ctype dim)) : 0)
#define FORMAT_1_BYTES(name, ctype, dim, wire, since, ...) \
	FORMAT_N_BYTES(name, ctype, dim, wire, since, 1)
#define FORMAT_2_BYTES(name, ctype, dim, wire, since, ...) \
	FORMAT_N_BYTES(name, ctype, dim, wire, since, 2)
#define FORMAT_3_BYTES(name, ctype, dim, wire, since, ...) \
	FORMAT_N_BYTES(name, ctype, dim, wire, since, 3)
_Static_assert(LEASE_FIELDS_WIRE_BYTES_V0 + 1u == 57u, "format 0 layout changed");
_Static_assert((0 LEASE_FIELD_LIST(FORMAT_1_BYTES)) == 4u, "format 1 layout changed");
_Static_assert((0 LEASE_FIELD_LIST(FORMAT_2_BYTES)) == 18u, "format 2 layout changed");
_Static_assert((0 LEASE_FIELD_LIST(FORMAT_3_BYTES)) == 2u + LEASE_NAME_MAX,
	       "format 3 layout changed");
#undef FORMAT_3_BYTES
#undef FORMAT_2_BYTES
#undef FORMAT_1_BYTES
#undef FORMAT_N_BYTES
_Static_assert(JOURNAL_RECORD_MAX - JOURNAL_HEADER_LEN <= JOURNAL_BODY_MAX,
	       "the longest record must fit the body limit");

/*
 * Every listed field is a member of struct lease with the type its
 * encoding keeps there (the member's own, or a name reference), and comes
 * from a format this code writes; its wire size is its size (a name: at
 * most, without the image's NUL).
 */
#define LEASE_TYPE_u8(ctype, dim) ctype dim
#define LEASE_TYPE_le32(ctype, dim) ctype dim
#define LEASE_TYPE_le64(ctype, dim) ctype dim
#define LEASE_TYPE_raw(ctype, dim) ctype dim
#define LEASE_TYPE_name(ctype, dim) struct lease_name_ref
#define IMAGE_EXTRA_u8 0u
#define IMAGE_EXTRA_le32 0u
#define IMAGE_EXTRA_le64 0u
#define IMAGE_EXTRA_raw 0u
#define IMAGE_EXTRA_name 1u /* the NUL the image keeps after a name */
#define FIELD_CHECK(name, ctype, dim, wire, since, ...) \
	_Static_assert(__builtin_types_compatible_p(__typeof__(((struct lease *)0)->name), \
						    LEASE_TYPE_##wire(ctype, dim)), \
		       "struct lease." #name " is not what " #wire " keeps"); \
	_Static_assert((since) <= JOURNAL_FORMAT_VERSION, #name ": format not written"); \
	_Static_assert(LEASE_WIRE_SIZE(wire, sizeof(ctype dim)) == \
			   sizeof(ctype dim) - IMAGE_EXTRA_##wire, \
		       #name ": wire size");
LEASE_FIELD_LIST(FIELD_CHECK)
#undef FIELD_CHECK

/* Copies between struct lease and its image by encoding: a name is out of line in the lease. */
#define COPY_OUT_u8(name) memcpy(&img->name, &l->name, sizeof(img->name));
#define COPY_OUT_le32(name) COPY_OUT_u8(name)
#define COPY_OUT_le64(name) COPY_OUT_u8(name)
#define COPY_OUT_raw(name) COPY_OUT_u8(name)
#define COPY_OUT_name(name) \
	if (l->name.id != 0) \
		img->name.len = \
		    (uint8_t)lease_table_name_get(l, img->name.bytes, sizeof(img->name.bytes));
#define COPY_IN_u8(name) memcpy(&l->name, &img->name, sizeof(l->name));
#define COPY_IN_le32(name) COPY_IN_u8(name)
#define COPY_IN_le64(name) COPY_IN_u8(name)
#define COPY_IN_raw(name) COPY_IN_u8(name)
#define COPY_IN_name(name)

void lease_image_from_lease(struct lease_image *img, const struct lease *l)
{
	/*
	 * Zero first: padding and key bytes past key_len compare equal later.
	 * Not the name's bytes: every event of the fast path comes here, and
	 * a lease without a name would pay for zeroing 254 bytes it never
	 * uses; the name's length and NUL are written below.
	 */
	memset(img, 0, offsetof(struct lease_image, fqdn));
	img->fqdn.len = 0;
	img->fqdn.bytes[0] = '\0';
#define COPY_OUT(name, ctype, dim, wire, ...) COPY_OUT_##wire(name)
	LEASE_FIELD_LIST(COPY_OUT)
#undef COPY_OUT
	img->key_len = l->key_len <= LEASE_KEY_MAX ? l->key_len : LEASE_KEY_MAX;
	memcpy(img->key, l->key, img->key_len);
}

void lease_image_to_lease(struct lease *l, const struct lease_image *img)
{
	uint8_t key_len = img->key_len <= LEASE_KEY_MAX ? img->key_len : LEASE_KEY_MAX;

#define COPY_IN(name, ctype, dim, wire, ...) COPY_IN_##wire(name)
	LEASE_FIELD_LIST(COPY_IN)
#undef COPY_IN
	l->key_len = key_len;
	memcpy(l->key, img->key, key_len);
	memset(l->key + key_len, 0, sizeof(l->key) - key_len);
	l->key_hash = client_key_hash(l->key, key_len);
}

void lease_image_backup(struct lease_image *img, uint32_t ip)
{
	memset(img, 0, sizeof(*img));
	img->ip = ip;
	img->state = LEASE_BACKUP;
	img->key_len = LEASE_KEY_BACKUP_LEN;
	img->key[0] = LEASE_KEY_BACKUP;
	img->key[1] = (uint8_t)(ip >> 24);
	img->key[2] = (uint8_t)(ip >> 16);
	img->key[3] = (uint8_t)(ip >> 8);
	img->key[4] = (uint8_t)ip;
}

int journal_record_validate(unsigned type, const struct lease_image *img)
{
	if (type != JOURNAL_REC_UPSERT && type != JOURNAL_REC_DELETE)
		return -EINVAL;
	/* A record without identity could never be matched to a client again. */
	if (img->key_len == 0 || img->key_len > LEASE_KEY_MAX)
		return -EINVAL;
	if (img->hlen > sizeof(img->chaddr))
		return -EINVAL;
	if (img->state >= LEASE_STATE__COUNT)
		return -EINVAL;
	if (img->dns_flags & ~LEASE_DNS_F_ALL)
		return -EINVAL;
	if (img->fqdn.len && !lease_name_valid(img->fqdn.bytes, img->fqdn.len))
		return -EINVAL;
	return 0;
}

/* The CRC covers the body, then every header byte except the CRC itself. */
static uint32_t record_crc(const uint8_t *hdr, const uint8_t *body, size_t body_len)
{
	uint32_t crc = crc32c(0, body, body_len);
	crc = crc32c(crc, hdr, 16);
	return crc32c(crc, hdr + 20, JOURNAL_HEADER_LEN - 20);
}

/* Writers by wire encoding (lease/lease_fields.h): each returns the next byte. */
static uint8_t *put_wire_u8(uint8_t *p, const uint8_t *v, size_t n)
{
	(void)n;
	*p = *v;
	return p + 1;
}

static uint8_t *put_wire_le32(uint8_t *p, const uint32_t *v, size_t n)
{
	(void)n;
	put_le32(p, *v);
	return p + 4;
}

static uint8_t *put_wire_le64(uint8_t *p, const int64_t *v, size_t n)
{
	(void)n;
	put_le64(p, (uint64_t)*v);
	return p + 8;
}

static uint8_t *put_wire_raw(uint8_t *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return p + n;
}

/* A name: its length, then as many bytes (validated: len <= LEASE_NAME_MAX). */
static uint8_t *put_wire_name(uint8_t *p, const struct lease_name *v, size_t n)
{
	(void)n;
	*p++ = v->len;
	memcpy(p, v->bytes, v->len);
	return p + v->len;
}

/* Bytes a field takes on the wire: fixed, but for a name. */
#define WIRE_LEN_u8(v) 1u
#define WIRE_LEN_le32(v) 4u
#define WIRE_LEN_le64(v) 8u
#define WIRE_LEN_raw(v) sizeof(v)
#define WIRE_LEN_name(v) (1u + (v).len)

int journal_record_encode(uint8_t *buf, size_t cap, uint64_t seq, enum journal_rec_type type,
			  const struct lease_image *img)
{
	if (journal_record_validate(type, img) < 0)
		return -EINVAL;

	size_t body_len = 1u + img->key_len;
#define BODY_LEN(name, ctype, dim, wire, ...) body_len += WIRE_LEN_##wire(img->name);
	LEASE_FIELD_LIST(BODY_LEN)
#undef BODY_LEN
	size_t total = JOURNAL_HEADER_LEN + body_len;
	if (cap < total)
		return -ENOSPC;

	uint8_t *b = buf + JOURNAL_HEADER_LEN, *p = b;
	/* Format by format: the format 0 fields, the key, then each later format's. */
	for (unsigned v = 0; v <= JOURNAL_FORMAT_VERSION; v++) {
#define PUT(name, ctype, dim, wire, since, ...) \
	if ((since) == v) \
		p = put_wire_##wire(p, &img->name, sizeof(img->name));
		LEASE_FIELD_LIST(PUT)
#undef PUT
		if (v == 0) {
			*p++ = img->key_len;
			p = put_wire_raw(p, img->key, img->key_len);
		}
	}

	put_le32(buf + 0, JOURNAL_RECORD_MAGIC);
	put_le32(buf + 4, (uint32_t)body_len);
	put_le64(buf + 8, seq);
	buf[20] = (uint8_t)type;
	buf[21] = JOURNAL_FORMAT_VERSION;
	buf[22] = buf[23] = 0;
	put_le32(buf + 16, record_crc(buf, b, body_len));
	return (int)total;
}

/* Little-endian reads through the shared bounds-checked cursor (STYLE rule 9). */
static void take_wire_u8(struct wire_cursor *c, uint8_t *v, size_t n)
{
	(void)n;
	*v = wire_u8(c);
}

static void take_wire_le32(struct wire_cursor *c, uint32_t *v, size_t n)
{
	const uint8_t *p = wire_take(c, 4);
	(void)n;
	*v = p ? get_le32(p) : 0;
}

static void take_wire_le64(struct wire_cursor *c, int64_t *v, size_t n)
{
	const uint8_t *p = wire_take(c, 8);
	(void)n;
	*v = p ? (int64_t)get_le64(p) : 0;
}

static void take_wire_raw(struct wire_cursor *c, void *v, size_t n) { wire_read(c, v, n); }

/* A name's length, then its bytes; a length past LEASE_NAME_MAX spoils the cursor. */
static void take_wire_name(struct wire_cursor *c, struct lease_name *v, size_t n)
{
	(void)n;
	v->len = wire_u8(c);
	if (v->len > LEASE_NAME_MAX) {
		c->error = true;
		v->len = 0;
		return;
	}
	wire_read(c, v->bytes, v->len);
	v->bytes[v->len] = '\0';
}

/*
 * Parse a CRC-checked body; BAD_BODY when it does not describe a valid
 * image. A field of a format newer than the record's stays zero.
 */
static enum journal_decode_result decode_body(const uint8_t *body, size_t body_len, uint8_t type,
					      uint8_t version, struct lease_image *img)
{
	struct wire_cursor c;

	wire_init(&c, body, body_len);
	memset(img, 0, sizeof(*img));
	for (unsigned v = 0; v <= version; v++) {
#define TAKE(name, ctype, dim, wire, since, ...) \
	if ((since) == v) \
		take_wire_##wire(&c, &img->name, sizeof(img->name));
		LEASE_FIELD_LIST(TAKE)
#undef TAKE
		if (v == 0) {
			img->key_len = wire_u8(&c);
			if (!wire_ok(&c) || journal_record_validate(type, img) < 0)
				return JOURNAL_DECODE_BAD_BODY;
			wire_read(&c, img->key, img->key_len);
		}
	}
	/* Exactly the declared length: trailing bytes would make encoding non-canonical. */
	if (!wire_ok(&c) || wire_left(&c) != 0)
		return JOURNAL_DECODE_BAD_BODY;
	/* The fields of later formats, validated now that they are read. */
	if (journal_record_validate(type, img) < 0)
		return JOURNAL_DECODE_BAD_BODY;
	return JOURNAL_DECODE_OK;
}

enum journal_decode_result journal_record_decode(const uint8_t *buf, size_t len, uint64_t *seq,
						 uint8_t *type, struct lease_image *img,
						 size_t *consumed)
{
	uint8_t magic[4];

	*consumed = 0;
	if (len == 0)
		return JOURNAL_DECODE_SHORT;
	/*
	 * Compare the magic against what is there, so a header cut inside the
	 * magic is SHORT (torn) but a foreign first byte is BAD_MAGIC at once.
	 */
	put_le32(magic, JOURNAL_RECORD_MAGIC);
	if (memcmp(buf, magic, len < 4 ? len : 4) != 0)
		return JOURNAL_DECODE_BAD_MAGIC;
	if (len >= 8) {
		uint32_t body_len = get_le32(buf + 4);
		if (body_len == 0 || body_len > JOURNAL_BODY_MAX)
			return JOURNAL_DECODE_BAD_LEN;
	}
	if (len < JOURNAL_HEADER_LEN)
		return JOURNAL_DECODE_SHORT;

	size_t body_len = get_le32(buf + 4);
	if (len - JOURNAL_HEADER_LEN < body_len)
		return JOURNAL_DECODE_SHORT;

	const uint8_t *body = buf + JOURNAL_HEADER_LEN;
	size_t total = JOURNAL_HEADER_LEN + body_len;
	if (record_crc(buf, body, body_len) != get_le32(buf + 16)) {
		*consumed = total;
		return JOURNAL_DECODE_BAD_CRC;
	}
	/* A format from a newer writer, or non-zero padding: not ours to guess at. */
	if (buf[21] > JOURNAL_FORMAT_VERSION || buf[22] | buf[23]) {
		*consumed = total;
		return JOURNAL_DECODE_BAD_BODY;
	}
	struct lease_image tmp;
	enum journal_decode_result r = decode_body(body, body_len, buf[20], buf[21], &tmp);
	*consumed = total;
	if (r != JOURNAL_DECODE_OK)
		return r;
	*seq = get_le64(buf + 8);
	*type = buf[20];
	*img = tmp;
	return JOURNAL_DECODE_OK;
}

const char *journal_decode_result_name(enum journal_decode_result r)
{
	switch (r) {
	case JOURNAL_DECODE_OK: return "ok";
	case JOURNAL_DECODE_SHORT: return "short";
	case JOURNAL_DECODE_BAD_MAGIC: return "bad-magic";
	case JOURNAL_DECODE_BAD_LEN: return "bad-length";
	case JOURNAL_DECODE_BAD_CRC: return "bad-crc";
	case JOURNAL_DECODE_BAD_BODY: return "bad-body";
	}
	return "invalid";
}
