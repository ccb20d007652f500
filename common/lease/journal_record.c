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

#define JOURNAL_BODY_FIXED 57u
#define JOURNAL_BODY_V1_EXTRA 4u /* addr_version */

void lease_image_from_lease(struct lease_image *img, const struct lease *l)
{
	/* Zero first: padding and key bytes past key_len compare equal later. */
	memset(img, 0, sizeof(*img));
	img->ip = l->ip;
	img->subnet_id = l->subnet_id;
	img->state = l->state;
	img->flags = l->flags;
	img->htype = l->htype;
	img->hlen = l->hlen;
	memcpy(img->chaddr, l->chaddr, sizeof(img->chaddr));
	img->cltt = l->cltt;
	img->expire = l->expire;
	img->lease_secs = l->lease_secs;
	img->partner_expire = l->partner_expire;
	img->addr_version = l->addr_version;
	img->key_len = l->key_len <= LEASE_KEY_MAX ? l->key_len : LEASE_KEY_MAX;
	memcpy(img->key, l->key, img->key_len);
}

void lease_image_to_lease(struct lease *l, const struct lease_image *img)
{
	uint8_t key_len = img->key_len <= LEASE_KEY_MAX ? img->key_len : LEASE_KEY_MAX;

	l->ip = img->ip;
	l->subnet_id = img->subnet_id;
	l->state = img->state;
	l->flags = img->flags;
	l->htype = img->htype;
	l->hlen = img->hlen;
	memcpy(l->chaddr, img->chaddr, sizeof(l->chaddr));
	l->cltt = img->cltt;
	l->expire = img->expire;
	l->lease_secs = img->lease_secs;
	l->partner_expire = img->partner_expire;
	l->addr_version = img->addr_version;
	l->key_len = key_len;
	memcpy(l->key, img->key, key_len);
	memset(l->key + key_len, 0, sizeof(l->key) - key_len);
	l->key_hash = client_key_hash(l->key, key_len);
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

int journal_record_encode(uint8_t *buf, size_t cap, uint64_t seq, enum journal_rec_type type,
			  const struct lease_image *img)
{
	if (journal_record_validate(type, img) < 0)
		return -EINVAL;

	size_t body_len = JOURNAL_BODY_FIXED + img->key_len + JOURNAL_BODY_V1_EXTRA;
	size_t total = JOURNAL_HEADER_LEN + body_len;
	if (cap < total)
		return -ENOSPC;

	uint8_t *b = buf + JOURNAL_HEADER_LEN;
	put_le32(b + 0, img->ip);
	put_le32(b + 4, img->subnet_id);
	b[8] = img->state;
	b[9] = img->flags;
	b[10] = img->htype;
	b[11] = img->hlen;
	memcpy(b + 12, img->chaddr, 16);
	put_le64(b + 28, (uint64_t)img->cltt);
	put_le64(b + 36, (uint64_t)img->expire);
	put_le32(b + 44, img->lease_secs);
	put_le64(b + 48, (uint64_t)img->partner_expire);
	b[56] = img->key_len;
	memcpy(b + 57, img->key, img->key_len);
	put_le32(b + 57 + img->key_len, img->addr_version);

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
static uint32_t take_le32(struct wire_cursor *c)
{
	const uint8_t *p = wire_take(c, 4);
	return p ? get_le32(p) : 0;
}

static int64_t take_le64(struct wire_cursor *c)
{
	const uint8_t *p = wire_take(c, 8);
	return p ? (int64_t)get_le64(p) : 0;
}

/* Parse a CRC-checked body; BAD_BODY when it does not describe a valid image. */
static enum journal_decode_result decode_body(const uint8_t *body, size_t body_len, uint8_t type,
					      uint8_t version, struct lease_image *img)
{
	struct wire_cursor c;

	wire_init(&c, body, body_len);
	memset(img, 0, sizeof(*img));
	img->ip = take_le32(&c);
	img->subnet_id = take_le32(&c);
	img->state = wire_u8(&c);
	img->flags = wire_u8(&c);
	img->htype = wire_u8(&c);
	img->hlen = wire_u8(&c);
	wire_read(&c, img->chaddr, sizeof(img->chaddr));
	img->cltt = take_le64(&c);
	img->expire = take_le64(&c);
	img->lease_secs = take_le32(&c);
	img->partner_expire = take_le64(&c);
	img->key_len = wire_u8(&c);
	if (!wire_ok(&c) || journal_record_validate(type, img) < 0)
		return JOURNAL_DECODE_BAD_BODY;
	wire_read(&c, img->key, img->key_len);
	if (version >= 1)
		img->addr_version = take_le32(&c);
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
