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
 *
 * This table documents formats 0, 1 and 2; the code that writes and reads
 * it is expanded from LEASE_FIELD_LIST (lease/lease_fields.h), and the
 * assertions below tie the two (57 bytes before the key, 4 + 18 after). The key
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
#include "wire/wire.h"

/*
 * The layout of formats 0, 1 and 2 is on disk in stores: the list must
 * keep producing it (57 bytes before the key, 4 after it, then 18). A
 * later format adds its own fields and leaves these alone.
 */
#define FORMAT_N_BYTES(name, ctype, dim, wire, since, n) +((since) == (n) ? sizeof(ctype dim) : 0)
#define FORMAT_1_BYTES(name, ctype, dim, wire, since, ...) \
	FORMAT_N_BYTES(name, ctype, dim, wire, since, 1)
#define FORMAT_2_BYTES(name, ctype, dim, wire, since, ...) \
	FORMAT_N_BYTES(name, ctype, dim, wire, since, 2)
_Static_assert(LEASE_FIELDS_WIRE_BYTES_V0 + 1u == 57u, "format 0 layout changed");
_Static_assert((0 LEASE_FIELD_LIST(FORMAT_1_BYTES)) == 4u, "format 1 layout changed");
_Static_assert((0 LEASE_FIELD_LIST(FORMAT_2_BYTES)) == 18u, "format 2 layout changed");
#undef FORMAT_2_BYTES
#undef FORMAT_1_BYTES
#undef FORMAT_N_BYTES

/*
 * Every listed field is a member of struct lease with the same type, and
 * comes from a format this code writes; its wire size is its size.
 */
#define FIELD_CHECK(name, ctype, dim, wire, since, ...) \
	_Static_assert( \
	    __builtin_types_compatible_p(__typeof__(((struct lease *)0)->name), ctype dim), \
	    "struct lease." #name " is not " #ctype #dim); \
	_Static_assert((since) <= JOURNAL_FORMAT_VERSION, #name ": format not written"); \
	_Static_assert(wire##_size(sizeof(ctype dim)) == sizeof(ctype dim), #name ": wire size");
#define u8_size(n) 1u
#define le32_size(n) 4u
#define le64_size(n) 8u
#define raw_size(n) (n)
LEASE_FIELD_LIST(FIELD_CHECK)
#undef FIELD_CHECK

void lease_image_from_lease(struct lease_image *img, const struct lease *l)
{
	/* Zero first: padding and key bytes past key_len compare equal later. */
	memset(img, 0, sizeof(*img));
#define COPY_OUT(name, ...) memcpy(&img->name, &l->name, sizeof(img->name));
	LEASE_FIELD_LIST(COPY_OUT)
#undef COPY_OUT
	img->key_len = l->key_len <= LEASE_KEY_MAX ? l->key_len : LEASE_KEY_MAX;
	memcpy(img->key, l->key, img->key_len);
}

void lease_image_to_lease(struct lease *l, const struct lease_image *img)
{
	uint8_t key_len = img->key_len <= LEASE_KEY_MAX ? img->key_len : LEASE_KEY_MAX;

#define COPY_IN(name, ...) memcpy(&l->name, &img->name, sizeof(l->name));
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

int journal_record_encode(uint8_t *buf, size_t cap, uint64_t seq, enum journal_rec_type type,
			  const struct lease_image *img)
{
	if (journal_record_validate(type, img) < 0)
		return -EINVAL;

	size_t body_len = LEASE_FIELDS_WIRE_BYTES + 1u + img->key_len;
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
