/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Journal record codec tests. The golden record was computed outside this
 * code base (the hex below), and hand-made bad records get their CRC from
 * an independent bitwise CRC-32C, so a bug shared by encoder and decoder
 * cannot cancel out. Every decode input sits in an exactly sized malloc
 * buffer so ASan reports any read past len.
 */
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/client_key.h"
#include "lease/journal_record.h"

/*
 * seq 42, UPSERT, 10.0.1.5 in subnet 7, bound, 00:11:22:33:44:55, 3600 s,
 * format 3: address version 0x01020304 after the key (format 1), then
 * failover status 2 (ACTIVE), fo flags 0x02, stos 1700000000 and sent PET
 * 1700005400 (format 2), then dns_flags 0x13 (fwd, rev, want-fwd) and the
 * name "host1.example.test" (format 3). Computed with Python's struct and
 * a bitwise CRC-32C, from the format 2 record below plus those 20 bytes.
 */
static const char golden_hex[] = "4e52574c6b0000002a00000000000000"
				 "e3c8b33e010300000501000a07000000"
				 "02000106001122334455000000000000"
				 "0000000000f153650000000010ff5365"
				 "00000000100e00000000000000000000"
				 "08020100112233445504030201020200"
				 "f1536500000000180654650000000013"
				 "12686f7374312e6578616d706c652e74"
				 "657374";
#define GOLDEN_LEN 131u
#define GOLDEN_ADDR_VERSION 0x01020304u
#define GOLDEN_NAME "host1.example.test"
#define GOLDEN_DNS_FLAGS (LEASE_DNS_F_FWD | LEASE_DNS_F_REV | LEASE_DNS_F_WANT_FWD)
#define BODY_KEY_OFF 57u /* key bytes start here in the body, any format */
/* format 1's 4 bytes, format 2's 18, format 3's 2 + the name */
#define BODY_AFTER_KEY (22u + 2u + sizeof(GOLDEN_NAME) - 1u)
#define BODY_DNS_FLAGS_OFF (BODY_KEY_OFF + 8u + 22u) /* in the golden record */

/* The same lease as written by format 2: no DNS fields. */
static const char golden_v2_hex[] = "4e52574c570000002a00000000000000"
				    "889afe27010200000501000a07000000"
				    "02000106001122334455000000000000"
				    "0000000000f153650000000010ff5365"
				    "00000000100e00000000000000000000"
				    "08020100112233445504030201020200"
				    "f15365000000001806546500000000";

/* The same lease as written by format 1: no failover fields. */
static const char golden_v1_hex[] = "4e52574c450000002a00000000000000"
				    "a8564793010100000501000a07000000"
				    "02000106001122334455000000000000"
				    "0000000000f153650000000010ff5365"
				    "00000000100e00000000000000000000"
				    "08020100112233445504030201";

/*
 * The same lease as written by format 0 (the first leasewire releases):
 * no address version. Stores of that format must keep recovering.
 */
static const char golden_v0_hex[] = "4e52574c410000002a00000000000000"
				    "16ffc5e5010000000501000a07000000"
				    "02000106001122334455000000000000"
				    "0000000000f153650000000010ff5365"
				    "00000000100e00000000000000000000"
				    "080201001122334455";

static void golden_image(struct lease_image *img)
{
	static const uint8_t mac[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };

	memset(img, 0, sizeof(*img));
	img->ip = 0x0a000105;
	img->subnet_id = 7;
	img->state = LEASE_BOUND;
	img->htype = 1;
	img->hlen = 6;
	memcpy(img->chaddr, mac, 6);
	img->cltt = 1700000000;
	img->expire = 1700003600;
	img->lease_secs = 3600;
	img->addr_version = GOLDEN_ADDR_VERSION;
	img->fo_status = 2; /* FO_BINDING_ACTIVE */
	img->fo_flags = LEASE_FO_F_UPDATE_PENDING;
	img->stos = 1700000000;
	img->sent_pet = 1700005400;
	img->dns_flags = GOLDEN_DNS_FLAGS;
	img->fqdn.len = sizeof(GOLDEN_NAME) - 1;
	memcpy(img->fqdn.bytes, GOLDEN_NAME, img->fqdn.len);
	img->key_len = 8;
	img->key[0] = LEASE_KEY_HWADDR;
	img->key[1] = 1;
	memcpy(img->key + 2, mac, 6);
}

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		ck_assert(sscanf(hex, "%2x", &v) == 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* Independent bitwise CRC-32C (Castagnoli, reflected 0x82f63b78). */
static uint32_t ref_crc32c(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Recompute the record CRC after a test edits the header or body. */
static void reseal(uint8_t *rec, size_t len)
{
	uint32_t crc = ref_crc32c(0, rec + JOURNAL_HEADER_LEN, len - JOURNAL_HEADER_LEN);
	crc = ref_crc32c(crc, rec, 16);
	crc = ref_crc32c(crc, rec + 20, 4);
	rec[16] = (uint8_t)crc;
	rec[17] = (uint8_t)(crc >> 8);
	rec[18] = (uint8_t)(crc >> 16);
	rec[19] = (uint8_t)(crc >> 24);
}

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(b);
	memcpy(b, p, n);
	return b;
}

/* Decode from an exactly sized copy; returns the result. */
static enum journal_decode_result decode_exact(const uint8_t *p, size_t n, uint64_t *seq,
					       uint8_t *type, struct lease_image *img,
					       size_t *consumed)
{
	uint8_t *b = dup_exact(p, n);
	enum journal_decode_result r = journal_record_decode(b, n, seq, type, img, consumed);
	free(b);
	return r;
}

static void assert_image_eq(const struct lease_image *a, const struct lease_image *b)
{
	ck_assert_uint_eq(a->ip, b->ip);
	ck_assert_uint_eq(a->subnet_id, b->subnet_id);
	ck_assert_uint_eq(a->state, b->state);
	ck_assert_uint_eq(a->flags, b->flags);
	ck_assert_uint_eq(a->htype, b->htype);
	ck_assert_uint_eq(a->hlen, b->hlen);
	ck_assert_mem_eq(a->chaddr, b->chaddr, sizeof(a->chaddr));
	ck_assert_int_eq(a->cltt, b->cltt);
	ck_assert_int_eq(a->expire, b->expire);
	ck_assert_uint_eq(a->lease_secs, b->lease_secs);
	ck_assert_int_eq(a->partner_expire, b->partner_expire);
	ck_assert_uint_eq(a->addr_version, b->addr_version);
	ck_assert_uint_eq(a->fo_status, b->fo_status);
	ck_assert_uint_eq(a->fo_flags, b->fo_flags);
	ck_assert_int_eq(a->stos, b->stos);
	ck_assert_int_eq(a->sent_pet, b->sent_pet);
	ck_assert_uint_eq(a->key_len, b->key_len);
	ck_assert_mem_eq(a->key, b->key, a->key_len);
	ck_assert_uint_eq(a->dns_flags, b->dns_flags);
	ck_assert_uint_eq(a->fqdn.len, b->fqdn.len);
	ck_assert_mem_eq(a->fqdn.bytes, b->fqdn.bytes, a->fqdn.len);
	ck_assert_uint_eq(a->fqdn.bytes[a->fqdn.len], 0);
}

START_TEST(golden_encode)
{
	uint8_t want[160], got[JOURNAL_RECORD_MAX];
	struct lease_image img;

	size_t n = unhex(golden_hex, want);
	ck_assert_uint_eq(n, GOLDEN_LEN);
	golden_image(&img);
	int rc = journal_record_encode(got, sizeof(got), 42, JOURNAL_REC_UPSERT, &img);
	ck_assert_int_eq(rc, GOLDEN_LEN);
	ck_assert_mem_eq(got, want, n);
	/* The CRC in the golden bytes agrees with the independent CRC. */
	uint8_t resealed[160];
	memcpy(resealed, want, n);
	reseal(resealed, n);
	ck_assert_mem_eq(resealed, want, n);
}
END_TEST

START_TEST(golden_decode)
{
	uint8_t rec[160];
	struct lease_image want, got;
	uint64_t seq = 0;
	uint8_t type = 0;
	size_t used = 0;

	size_t n = unhex(golden_hex, rec);
	golden_image(&want);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &got, &used), JOURNAL_DECODE_OK);
	ck_assert_uint_eq(seq, 42);
	ck_assert_uint_eq(type, JOURNAL_REC_UPSERT);
	ck_assert_uint_eq(used, n);
	assert_image_eq(&got, &want);
}
END_TEST

START_TEST(encode_no_room)
{
	uint8_t buf[160];
	struct lease_image img;

	golden_image(&img);
	for (size_t cap = 0; cap < GOLDEN_LEN; cap++)
		ck_assert_int_eq(journal_record_encode(buf, cap, 1, JOURNAL_REC_UPSERT, &img),
				 -ENOSPC);
	ck_assert_int_eq(journal_record_encode(buf, GOLDEN_LEN, 1, JOURNAL_REC_DELETE, &img),
			 GOLDEN_LEN);
}
END_TEST

/* Images the writer must refuse, and the reader must refuse with a good CRC. */
struct bad_image_case {
	const char *name;
	unsigned type;
	int field; /* which field to break */
	unsigned value;
};
enum { F_NONE, F_KEY_LEN, F_HLEN, F_STATE, F_DNS_FLAGS, F_NAME_LEN, F_NAME_BYTE };

static const struct bad_image_case bad_images[] = {
	{ "key_len 0", JOURNAL_REC_UPSERT, F_KEY_LEN, 0 },
	{ "key_len max+1", JOURNAL_REC_UPSERT, F_KEY_LEN, LEASE_KEY_MAX + 1 },
	{ "key_len 255", JOURNAL_REC_DELETE, F_KEY_LEN, 255 },
	{ "hlen 17", JOURNAL_REC_UPSERT, F_HLEN, 17 },
	{ "hlen 255", JOURNAL_REC_UPSERT, F_HLEN, 255 },
	{ "state count", JOURNAL_REC_UPSERT, F_STATE, LEASE_STATE__COUNT },
	{ "state 255", JOURNAL_REC_UPSERT, F_STATE, 255 },
	{ "type 0", 0, F_NONE, 0 },
	{ "type 3", 3, F_NONE, 0 },
	{ "type 255", 255, F_NONE, 0 },
	{ "dns_flags unknown bit", JOURNAL_REC_UPSERT, F_DNS_FLAGS, 0x40 },
	{ "dns_flags 255", JOURNAL_REC_UPSERT, F_DNS_FLAGS, 0xff },
	{ "name length 254", JOURNAL_REC_UPSERT, F_NAME_LEN, 254 },
	{ "name upper case", JOURNAL_REC_UPSERT, F_NAME_BYTE, 'H' },
	{ "name leading dot", JOURNAL_REC_UPSERT, F_NAME_BYTE, '.' },
	{ "name space", JOURNAL_REC_DELETE, F_NAME_BYTE, ' ' },
	{ "name comma", JOURNAL_REC_UPSERT, F_NAME_BYTE, ',' },
	{ "name NUL", JOURNAL_REC_UPSERT, F_NAME_BYTE, 0 },
};

START_TEST(encode_rejects_invalid)
{
	const struct bad_image_case *c = &bad_images[_i];
	struct lease_image img;
	uint8_t buf[1024];

	golden_image(&img);
	switch (c->field) {
	case F_KEY_LEN: img.key_len = (uint8_t)c->value; break;
	case F_HLEN: img.hlen = (uint8_t)c->value; break;
	case F_STATE: img.state = (uint8_t)c->value; break;
	case F_DNS_FLAGS: img.dns_flags = (uint8_t)c->value; break;
	case F_NAME_LEN: img.fqdn.len = (uint8_t)c->value; break;
	case F_NAME_BYTE: img.fqdn.bytes[0] = (char)c->value; break;
	}
	ck_assert_msg(journal_record_encode(buf, sizeof(buf), 1, (enum journal_rec_type)c->type,
					    &img) == -EINVAL,
		      "%s accepted", c->name);
	ck_assert_int_eq(journal_record_validate(c->type, &img), -EINVAL);
}
END_TEST

/* The same bad images written by hand with a correct CRC: BAD_BODY. */
START_TEST(decode_rejects_invalid_body)
{
	const struct bad_image_case *c = &bad_images[_i];
	uint8_t rec[1024];
	struct lease_image img;
	uint64_t seq;
	uint8_t type;
	size_t used;

	size_t n = unhex(golden_hex, rec);
	switch (c->field) {
	case F_KEY_LEN: {
		/* Keep length and key_len consistent so only the range check fails. */
		size_t key_len = c->value;
		size_t body = BODY_KEY_OFF + key_len + BODY_AFTER_KEY;
		memset(rec + JOURNAL_HEADER_LEN + BODY_KEY_OFF, 0xab, key_len + BODY_AFTER_KEY);
		rec[JOURNAL_HEADER_LEN + 56] = (uint8_t)key_len;
		rec[4] = (uint8_t)body;
		rec[5] = (uint8_t)(body >> 8);
		n = JOURNAL_HEADER_LEN + body;
		break;
	}
	case F_HLEN: rec[JOURNAL_HEADER_LEN + 11] = (uint8_t)c->value; break;
	case F_STATE: rec[JOURNAL_HEADER_LEN + 8] = (uint8_t)c->value; break;
	case F_NONE: rec[20] = (uint8_t)c->type; break;
	case F_DNS_FLAGS: rec[JOURNAL_HEADER_LEN + BODY_DNS_FLAGS_OFF] = (uint8_t)c->value; break;
	case F_NAME_LEN:
		rec[JOURNAL_HEADER_LEN + BODY_DNS_FLAGS_OFF + 1] = (uint8_t)c->value;
		break;
	case F_NAME_BYTE:
		rec[JOURNAL_HEADER_LEN + BODY_DNS_FLAGS_OFF + 2] = (uint8_t)c->value;
		break;
	}
	reseal(rec, n);
	ck_assert_msg(decode_exact(rec, n, &seq, &type, &img, &used) == JOURNAL_DECODE_BAD_BODY,
		      "%s not rejected", c->name);
	ck_assert_uint_eq(used, n);
}
END_TEST

/* The v3 fields of a record of an older format: zero, no name. */
static void no_dns_fields(struct lease_image *img)
{
	img->dns_flags = 0;
	memset(&img->fqdn, 0, sizeof(img->fqdn));
}

/* The v2 fields (and v3's) of a record of an older format: zero. */
static void no_failover_fields(struct lease_image *img)
{
	img->fo_status = 0;
	img->fo_flags = 0;
	img->stos = 0;
	img->sent_pet = 0;
	no_dns_fields(img);
}

/* A format 2 record decodes to the same lease without a name, flags 0. */
START_TEST(golden_v2_decode)
{
	uint8_t rec[160];
	struct lease_image want, got;
	uint64_t seq = 0;
	uint8_t type = 0;
	size_t used = 0;

	size_t n = unhex(golden_v2_hex, rec);
	ck_assert_uint_eq(n, 111);
	golden_image(&want);
	no_dns_fields(&want);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &got, &used), JOURNAL_DECODE_OK);
	ck_assert_uint_eq(used, n);
	assert_image_eq(&got, &want);
	/* Re-encoded: the format 2 bytes, then dns_flags 0 and name length 0. */
	uint8_t out[JOURNAL_RECORD_MAX];
	static const uint8_t zero[2];
	ck_assert_int_eq(journal_record_encode(out, sizeof(out), 42, JOURNAL_REC_UPSERT, &got),
			 111 + 2);
	ck_assert_uint_eq(out[21], JOURNAL_FORMAT_VERSION);
	ck_assert_mem_eq(out + JOURNAL_HEADER_LEN, rec + JOURNAL_HEADER_LEN,
			 111 - JOURNAL_HEADER_LEN);
	ck_assert_mem_eq(out + 111, zero, 2);
}
END_TEST

/* A format 1 record decodes to the same lease, without the failover fields. */
START_TEST(golden_v1_decode)
{
	uint8_t rec[128];
	struct lease_image want, got;
	uint64_t seq = 0;
	uint8_t type = 0;
	size_t used = 0;

	size_t n = unhex(golden_v1_hex, rec);
	ck_assert_uint_eq(n, 93);
	golden_image(&want);
	no_failover_fields(&want);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &got, &used), JOURNAL_DECODE_OK);
	ck_assert_uint_eq(seq, 42);
	ck_assert_uint_eq(used, n);
	assert_image_eq(&got, &want);
	/* Re-encoded, it is today's format: the format 1 bytes, then 18 + 2 zero bytes. */
	uint8_t out[JOURNAL_RECORD_MAX];
	static const uint8_t zero[20];
	ck_assert_int_eq(journal_record_encode(out, sizeof(out), 42, JOURNAL_REC_UPSERT, &got),
			 93 + 18 + 2);
	ck_assert_uint_eq(out[21], JOURNAL_FORMAT_VERSION);
	ck_assert_mem_eq(out + JOURNAL_HEADER_LEN, rec + JOURNAL_HEADER_LEN,
			 93 - JOURNAL_HEADER_LEN);
	ck_assert_mem_eq(out + 93, zero, 20);
}
END_TEST

/* A format 0 record decodes to the same lease, with address version 0. */
START_TEST(golden_v0_decode)
{
	uint8_t rec[128];
	struct lease_image want, got;
	uint64_t seq = 0;
	uint8_t type = 0;
	size_t used = 0;

	size_t n = unhex(golden_v0_hex, rec);
	ck_assert_uint_eq(n, 89);
	golden_image(&want);
	want.addr_version = 0;
	no_failover_fields(&want);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &got, &used), JOURNAL_DECODE_OK);
	ck_assert_uint_eq(seq, 42);
	ck_assert_uint_eq(used, n);
	assert_image_eq(&got, &want);
	/* Re-encoded, it is written in today's format. */
	uint8_t out[JOURNAL_RECORD_MAX];
	ck_assert_int_eq(journal_record_encode(out, sizeof(out), 42, JOURNAL_REC_UPSERT, &got),
			 89 + 4 + 18 + 2);
	ck_assert_uint_eq(out[21], JOURNAL_FORMAT_VERSION);
}
END_TEST

/*
 * Versions and lengths must agree: a body of one format under another's
 * version, and any version newer than ours, are refused with a good CRC.
 */
START_TEST(format_version_mismatch)
{
	uint8_t rec[160];
	struct lease_image img;
	uint64_t seq;
	uint8_t type;
	size_t used;
	size_t n;

	n = unhex(golden_v0_hex, rec);
	rec[21] = 1;
	reseal(rec, n);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_BODY);

	n = unhex(golden_hex, rec);
	rec[21] = 0;
	reseal(rec, n);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_BODY);

	n = unhex(golden_hex, rec);
	rec[21] = 1;
	reseal(rec, n);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_BODY);

	n = unhex(golden_v1_hex, rec);
	rec[21] = 2;
	reseal(rec, n);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_BODY);

	n = unhex(golden_v2_hex, rec);
	rec[21] = 3;
	reseal(rec, n);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_BODY);

	n = unhex(golden_hex, rec);
	rec[21] = 2;
	reseal(rec, n);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_BODY);

	for (unsigned v = JOURNAL_FORMAT_VERSION + 1; v < 256; v += 37) {
		n = unhex(golden_hex, rec);
		rec[21] = (uint8_t)v;
		reseal(rec, n);
		ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used),
				 JOURNAL_DECODE_BAD_BODY);
	}
}
END_TEST

START_TEST(decode_results)
{
	uint8_t good[160], rec[160];
	struct lease_image img;
	uint64_t seq;
	uint8_t type;
	size_t used;
	size_t n = unhex(golden_hex, good);

	/* Short header, inside and after the magic. */
	for (size_t len = 0; len < JOURNAL_HEADER_LEN; len++) {
		used = 99;
		ck_assert_int_eq(decode_exact(good, len, &seq, &type, &img, &used),
				 JOURNAL_DECODE_SHORT);
		ck_assert_uint_eq(used, 0);
	}
	/* Short body. */
	for (size_t len = JOURNAL_HEADER_LEN; len < n; len++) {
		ck_assert_int_eq(decode_exact(good, len, &seq, &type, &img, &used),
				 JOURNAL_DECODE_SHORT);
		ck_assert_uint_eq(used, 0);
	}
	/* Bad magic, even when only one byte is present. */
	memcpy(rec, good, n);
	rec[0] ^= 0x01;
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_MAGIC);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(decode_exact(rec, 1, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_MAGIC);
	memcpy(rec, good, n);
	rec[3] = 0;
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_MAGIC);
	/* Length 0 and > max, known as soon as the length field is in. */
	memcpy(rec, good, n);
	memset(rec + 4, 0, 4);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_LEN);
	ck_assert_int_eq(decode_exact(rec, 8, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_LEN);
	ck_assert_uint_eq(used, 0);
	rec[4] = (JOURNAL_BODY_MAX + 1) & 0xff;
	rec[5] = (JOURNAL_BODY_MAX + 1) >> 8;
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_LEN);
	rec[7] = 0x80;
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_LEN);
	/* Length max is structurally fine: SHORT until that many bytes are there. */
	rec[4] = JOURNAL_BODY_MAX & 0xff;
	rec[5] = JOURNAL_BODY_MAX >> 8;
	rec[7] = 0;
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_SHORT);

	/* A flipped bit anywhere but the magic and length: BAD_CRC with the length. */
	for (size_t i = 8; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(rec, good, n);
			rec[i] ^= (uint8_t)(1u << bit);
			ck_assert_msg(decode_exact(rec, n, &seq, &type, &img, &used) ==
					  JOURNAL_DECODE_BAD_CRC,
				      "byte %zu bit %d", i, bit);
			ck_assert_uint_eq(used, n);
		}
	}
	/* Non-zero padding with a good CRC. */
	memcpy(rec, good, n);
	rec[22] = 1;
	reseal(rec, n);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_BODY);
	/* key_len disagreeing with the record length, good CRC. */
	memcpy(rec, good, n);
	rec[JOURNAL_HEADER_LEN + 56] = 7;
	reseal(rec, n);
	ck_assert_int_eq(decode_exact(rec, n, &seq, &type, &img, &used), JOURNAL_DECODE_BAD_BODY);
	/* Body shorter than the fixed part, good CRC. */
	memcpy(rec, good, n);
	rec[4] = 20;
	reseal(rec, JOURNAL_HEADER_LEN + 20);
	ck_assert_int_eq(decode_exact(rec, JOURNAL_HEADER_LEN + 20, &seq, &type, &img, &used),
			 JOURNAL_DECODE_BAD_BODY);
	ck_assert_uint_eq(used, JOURNAL_HEADER_LEN + 20);
}
END_TEST

START_TEST(decode_result_names)
{
	ck_assert_str_eq(journal_decode_result_name(JOURNAL_DECODE_OK), "ok");
	ck_assert_str_eq(journal_decode_result_name(JOURNAL_DECODE_SHORT), "short");
	ck_assert_str_eq(journal_decode_result_name(JOURNAL_DECODE_BAD_MAGIC), "bad-magic");
	ck_assert_str_eq(journal_decode_result_name(JOURNAL_DECODE_BAD_LEN), "bad-length");
	ck_assert_str_eq(journal_decode_result_name(JOURNAL_DECODE_BAD_CRC), "bad-crc");
	ck_assert_str_eq(journal_decode_result_name(JOURNAL_DECODE_BAD_BODY), "bad-body");
	ck_assert_str_eq(journal_decode_result_name((enum journal_decode_result)99), "invalid");
}
END_TEST

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Mostly valid images, with odd client ids, extreme times and invalid fields mixed in. */
static void random_image(struct lease_image *img, unsigned *type)
{
	memset(img, 0, sizeof(*img));
	img->ip = (uint32_t)rnd();
	img->subnet_id = (uint32_t)rnd();
	img->state = rnd() % 8 ? (uint8_t)(rnd() % LEASE_STATE__COUNT) : (uint8_t)rnd();
	img->flags = (uint8_t)rnd();
	img->htype = (uint8_t)rnd();
	img->hlen = rnd() % 8 ? (uint8_t)(rnd() % 17) : (uint8_t)rnd();
	for (size_t i = 0; i < sizeof(img->chaddr); i++)
		img->chaddr[i] = (uint8_t)rnd();
	img->cltt = (int64_t)rnd();
	img->expire = rnd() % 4 ? (int64_t)(rnd() % 4000000000u) : (int64_t)rnd();
	img->lease_secs = rnd() % 4 ? (uint32_t)rnd() : LEASE_INFINITE;
	img->partner_expire = rnd() % 2 ? 0 : (int64_t)rnd();
	img->addr_version = (uint32_t)rnd(); /* left at 0, a dropped version went unseen */
	img->fo_status = (uint8_t)rnd();
	img->fo_flags = (uint8_t)rnd();
	img->stos = rnd() % 2 ? 0 : (int64_t)rnd();
	img->sent_pet = rnd() % 2 ? 0 : (int64_t)rnd();
	img->dns_flags = rnd() % 8 ? (uint8_t)(rnd() & LEASE_DNS_F_ALL) : (uint8_t)rnd();
	if (rnd() % 2) {
		/* A name of 1..253 bytes of labels, now and then a bad byte in it. */
		size_t len = 1 + rnd() % LEASE_NAME_MAX;
		for (size_t i = 0; i < len; i++)
			img->fqdn.bytes[i] =
			    i % 9 == 8 && i + 1 < len ? '.' : (char)('a' + rnd() % 26);
		if (rnd() % 16 == 0)
			img->fqdn.bytes[rnd() % len] = (char)rnd();
		img->fqdn.len = (uint8_t)len;
	}
	img->key_len = rnd() % 8 ? (uint8_t)(1 + rnd() % LEASE_KEY_MAX) : (uint8_t)rnd();
	for (size_t i = 0; i < img->key_len && i < LEASE_KEY_MAX; i++)
		img->key[i] = rnd() % 4 ? (uint8_t)rnd() : (uint8_t)(i & 1 ? 0x4e : 0x52);
	*type = rnd() % 16 ? 1 + (unsigned)(rnd() % 2) : (unsigned)(rnd() % 256);
}

/* D08: whatever the writer accepts, the loader returns unchanged. */
START_TEST(round_trip_random)
{
	unsigned accepted = 0, rejected = 0;

	for (int i = 0; i < 10000; i++) {
		struct lease_image in, out;
		unsigned type;
		uint8_t buf[JOURNAL_RECORD_MAX];
		uint64_t seq = rnd(), seq_out = 0;
		uint8_t type_out = 0;
		size_t used = 0;

		random_image(&in, &type);
		int n =
		    journal_record_encode(buf, sizeof(buf), seq, (enum journal_rec_type)type, &in);
		if (n < 0) {
			ck_assert_int_eq(n, -EINVAL);
			ck_assert_int_eq(journal_record_validate(type, &in), -EINVAL);
			rejected++;
			continue;
		}
		accepted++;
		ck_assert_uint_le((size_t)n, JOURNAL_RECORD_MAX);
		ck_assert_int_eq(decode_exact(buf, (size_t)n, &seq_out, &type_out, &out, &used),
				 JOURNAL_DECODE_OK);
		ck_assert_uint_eq(used, (size_t)n);
		ck_assert_uint_eq(seq_out, seq);
		ck_assert_uint_eq(type_out, type);
		assert_image_eq(&out, &in);
		/* Canonical: re-encoding the decoded image gives the same bytes. */
		uint8_t again[JOURNAL_RECORD_MAX];
		ck_assert_int_eq(journal_record_encode(again, sizeof(again), seq_out,
						       (enum journal_rec_type)type_out, &out),
				 n);
		ck_assert_mem_eq(again, buf, (size_t)n);
	}
	ck_assert_uint_gt(accepted, 5000);
	ck_assert_uint_gt(rejected, 100);
}
END_TEST

/* Random bytes and records cut or spliced at random: never read past len, always sane. */
START_TEST(decode_random_bytes)
{
	for (int i = 0; i < 20000; i++) {
		uint8_t raw[JOURNAL_RECORD_MAX * 2];
		struct lease_image img, in;
		unsigned type;
		size_t len;

		random_image(&in, &type);
		int n = journal_record_encode(raw, sizeof(raw), rnd(), JOURNAL_REC_UPSERT, &in);
		if (n < 0) {
			n = 0;
		}
		len = (size_t)(rnd() % sizeof(raw));
		for (size_t k = (size_t)n; k < len; k++)
			raw[k] = (uint8_t)rnd();
		if (n > 0 && rnd() % 2)
			raw[rnd() % (size_t)n] ^= (uint8_t)rnd();

		uint8_t *b = dup_exact(raw, len);
		uint64_t seq;
		uint8_t t;
		size_t used = 12345;
		enum journal_decode_result r = journal_record_decode(b, len, &seq, &t, &img, &used);
		free(b);
		switch (r) {
		case JOURNAL_DECODE_OK:
		case JOURNAL_DECODE_BAD_CRC:
		case JOURNAL_DECODE_BAD_BODY:
			ck_assert_uint_ge(used, JOURNAL_HEADER_LEN + 1);
			ck_assert_uint_le(used, len);
			break;
		default: ck_assert_uint_eq(used, 0);
		}
	}
}
END_TEST

START_TEST(lease_conversion)
{
	struct lease l, back;
	struct lease_image img;

	memset(&l, 0x5a, sizeof(l));
	l.fqdn.id = 0; /* a lease outside any table holds no name */
	l.dns_flags = LEASE_DNS_F_REV | LEASE_DNS_F_REMOVE_PENDING;
	l.ip = 0xc0a80a0b;
	l.subnet_id = 3;
	l.state = LEASE_DECLINED;
	l.flags = LEASE_F_RESERVED;
	l.htype = 1;
	l.hlen = 6;
	l.cltt = -5;
	l.expire = INT64_MAX;
	l.lease_secs = LEASE_INFINITE;
	l.partner_expire = 99;
	l.addr_version = 0x01020304;
	l.fo_status = 7;
	l.fo_flags = LEASE_FO_F_FROM_PARTNER;
	l.stos = 1780000000;
	l.sent_pet = -7;
	l.key_len = 5;
	memcpy(l.key, "\x01\x02\x03\x04\x05", 5);

	lease_image_from_lease(&img, &l);
	ck_assert_uint_eq(img.key_len, 5);
	for (size_t i = 5; i < LEASE_KEY_MAX; i++)
		ck_assert_uint_eq(img.key[i], 0);

	memset(&back, 0, sizeof(back));
	back.slab_id = 9;
	back.journal_seq = 77;
	lease_image_to_lease(&back, &img);
	ck_assert_uint_eq(back.ip, l.ip);
	ck_assert_uint_eq(back.subnet_id, l.subnet_id);
	ck_assert_uint_eq(back.state, l.state);
	ck_assert_uint_eq(back.flags, l.flags);
	ck_assert_uint_eq(back.htype, l.htype);
	ck_assert_uint_eq(back.hlen, l.hlen);
	ck_assert_mem_eq(back.chaddr, l.chaddr, sizeof(l.chaddr));
	ck_assert_int_eq(back.cltt, l.cltt);
	ck_assert_int_eq(back.expire, l.expire);
	ck_assert_uint_eq(back.lease_secs, l.lease_secs);
	ck_assert_int_eq(back.partner_expire, l.partner_expire);
	ck_assert_uint_eq(back.addr_version, l.addr_version);
	ck_assert_uint_eq(back.fo_status, l.fo_status);
	ck_assert_uint_eq(back.fo_flags, l.fo_flags);
	ck_assert_int_eq(back.stos, l.stos);
	ck_assert_int_eq(back.sent_pet, l.sent_pet);
	ck_assert_uint_eq(back.dns_flags, l.dns_flags);
	ck_assert_uint_eq(img.fqdn.len, 0);
	ck_assert_uint_eq(back.fqdn.id, 0); /* names are set through the table */
	ck_assert_uint_eq(back.key_len, 5);
	ck_assert_mem_eq(back.key, l.key, 5);
	ck_assert_uint_eq(back.key_hash, client_key_hash(l.key, 5));
	/* Linkage and bookkeeping are not the image's to touch. */
	ck_assert_uint_eq(back.slab_id, 9);
	ck_assert_uint_eq(back.journal_seq, 77);
}
END_TEST

/*
 * A journal of tests/data: its records decode, were written as format
 * `format`, and re-encode, in today's format, to their own body followed by
 * zeros for every field of a later format. For today's format that is
 * exactly the bytes on disk: the encoding of a format never changes.
 */
static size_t stored_journal_reencodes(const char *path, unsigned format, size_t want_len,
				       struct lease_image *imgs, size_t max)
{
	uint8_t file[4096], again[JOURNAL_RECORD_MAX];
	FILE *f = fopen(path, "rb");

	ck_assert_ptr_nonnull(f);
	size_t len = fread(file, 1, sizeof(file), f);
	fclose(f);
	ck_assert_uint_eq(len, want_len);
	size_t off = 0, records = 0;
	while (off < len) {
		struct lease_image img;
		uint64_t seq;
		uint8_t type;
		size_t used;
		ck_assert_int_eq(
		    journal_record_decode(file + off, len - off, &seq, &type, &img, &used),
		    JOURNAL_DECODE_OK);
		ck_assert_uint_eq(file[off + 21], format);
		int n = journal_record_encode(again, sizeof(again), seq, type, &img);
		ck_assert_int_ge(n, (int)used);
		if (format == JOURNAL_FORMAT_VERSION) {
			ck_assert_int_eq(n, (int)used);
			ck_assert_mem_eq(again, file + off, used);
		} else {
			static const uint8_t zero[JOURNAL_RECORD_MAX];
			ck_assert_mem_eq(again + JOURNAL_HEADER_LEN,
					 file + off + JOURNAL_HEADER_LEN,
					 used - JOURNAL_HEADER_LEN);
			ck_assert_mem_eq(again + used, zero, (size_t)n - used);
		}
		if (records < max)
			imgs[records] = img;
		off += used;
		records++;
	}
	return records;
}

/*
 * The journal of tests/data/store-v1 (format 1, written before the codec
 * was generated from the field list): its format 1 bytes survive in
 * today's encoding, the failover fields of format 2 come back zero.
 */
START_TEST(store_v1_bytes_unchanged)
{
	struct lease_image imgs[4];

	ck_assert_uint_eq(stored_journal_reencodes(LW_TEST_DATA
						   "/store-v1/journal.00000000000000000001",
						   1, 368, imgs, 4),
			  4);
	for (size_t k = 0; k < 4; k++) {
		ck_assert_uint_ne(imgs[k].addr_version, 0);
		ck_assert_uint_ne(imgs[k].partner_expire, 0);
		ck_assert_uint_eq(imgs[k].fo_status, 0);
		ck_assert_int_eq(imgs[k].sent_pet, 0);
	}
}
END_TEST

/*
 * The journal of tests/data/store-v2 (format 2, the first with the
 * failover fields) re-encodes byte for byte, its failover fields set.
 */
START_TEST(store_v2_bytes_unchanged)
{
	struct lease_image imgs[4];

	ck_assert_uint_eq(stored_journal_reencodes(LW_TEST_DATA
						   "/store-v2/journal.00000000000000000001",
						   2, 440, imgs, 4),
			  4);
	for (size_t k = 0; k < 4; k++) {
		ck_assert_uint_ne(imgs[k].addr_version, 0);
		ck_assert_uint_ne(imgs[k].fo_status, 0);
		ck_assert_int_ne(imgs[k].stos, 0);
		ck_assert_int_ne(imgs[k].sent_pet, 0);
	}
}
END_TEST

/*
 * The journal of tests/data/store-v3 (format 3, the first with names and
 * DNS state) re-encodes byte for byte, names and flags as written:
 * leases 8..11 of lw-make-lease-store's fixed-clock mode.
 */
START_TEST(store_v3_bytes_unchanged)
{
	struct lease_image imgs[4];
	char want[LEASE_NAME_MAX + 1];

	size_t len;
	FILE *f = fopen(LW_TEST_DATA "/store-v3/journal.00000000000000000001", "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fclose(f);
	ck_assert_uint_eq(stored_journal_reencodes(LW_TEST_DATA
						   "/store-v3/journal.00000000000000000001",
						   3, len, imgs, 4),
			  4);
	for (unsigned k = 0; k < 4; k++) {
		unsigned i = 8 + k;
		ck_assert_uint_ne(imgs[k].fo_status, 0);
		if (i % 4 == 3) {
			ck_assert_uint_eq(imgs[k].fqdn.len, 0);
			ck_assert_uint_eq(imgs[k].dns_flags, 0);
			continue;
		}
		snprintf(want, sizeof(want),
			 i % 4 == 2 ? "client-%u.a-sixty-byte-or-so-long-label-for-the-test."
				      "example.test"
				    : "host%u.example.test",
			 i);
		ck_assert_str_eq(imgs[k].fqdn.bytes, want);
		ck_assert_uint_ne(imgs[k].dns_flags, 0);
	}
}
END_TEST

/* Body bytes of a record of format f for an image with key_len bytes of key. */
static size_t body_len_of_format(unsigned f, size_t key_len)
{
	size_t n = 1 + key_len;
#define FIELD_BYTES(name, ctype, dim, wire, since, ...) \
	n += (int)(since) <= (int)f ? LEASE_WIRE_SIZE(wire, sizeof(ctype dim)) : 0;
	LEASE_FIELD_LIST(FIELD_BYTES)
#undef FIELD_BYTES
	return n;
}

/*
 * One listed field, set alone to a pattern over the golden image, comes
 * back from encode -> decode; and from the same record cut down to each
 * older format it comes back only if that format carries it, else zero.
 */
static void field_round_trip(const char *name, size_t off, size_t size, unsigned since)
{
	struct lease_image in, out;
	uint8_t buf[JOURNAL_RECORD_MAX];
	uint64_t seq;
	uint8_t type;
	size_t used;

	golden_image(&in);
	/* 3 in the first byte: a valid state and hlen, unlike the golden ones. */
	for (size_t k = 0; k < size; k++)
		((uint8_t *)&in)[off + k] = (uint8_t)(3 + 0x11 * k);
	int n = journal_record_encode(buf, sizeof(buf), 7, JOURNAL_REC_UPSERT, &in);
	ck_assert_msg(n > 0, "%s: encode %d", name, n);
	ck_assert_int_eq(decode_exact(buf, (size_t)n, &seq, &type, &out, &used), JOURNAL_DECODE_OK);
	ck_assert_msg(memcmp(&out, &in, sizeof(in)) == 0, "%s: lost in the round trip", name);

	for (unsigned f = 0; f < JOURNAL_FORMAT_VERSION; f++) {
		/* Later formats only append: a format f record is a prefix of the body. */
		size_t body = body_len_of_format(f, in.key_len);
		uint8_t old[JOURNAL_RECORD_MAX];
		memcpy(old, buf, JOURNAL_HEADER_LEN + body);
		old[4] = (uint8_t)body;
		old[5] = old[6] = old[7] = 0;
		old[21] = (uint8_t)f;
		reseal(old, JOURNAL_HEADER_LEN + body);
		ck_assert_int_eq(
		    decode_exact(old, JOURNAL_HEADER_LEN + body, &seq, &type, &out, &used),
		    JOURNAL_DECODE_OK);
		static const uint8_t zero[sizeof(struct lease_image)];
		const uint8_t *want = (int)since <= (int)f ? (const uint8_t *)&in + off : zero;
		ck_assert_msg(memcmp((const uint8_t *)&out + off, want, size) == 0,
			      "%s: wrong from a format %u record", name, f);
	}
}

/*
 * A name field: a name other than the golden one comes back from encode
 * -> decode, and from a record of an older format it is empty.
 */
static void name_round_trip(const char *name, size_t off, unsigned since)
{
	struct lease_image in, out;
	uint8_t buf[JOURNAL_RECORD_MAX];
	uint64_t seq;
	uint8_t type;
	size_t used;
	static const char other[] = "a-much-longer-name-than-one-name-cell-holds.for.the.test."
				    "example.test";

	golden_image(&in);
	struct lease_name *v = (struct lease_name *)((uint8_t *)&in + off);
	memset(v, 0, sizeof(*v));
	v->len = sizeof(other) - 1;
	memcpy(v->bytes, other, v->len);
	int n = journal_record_encode(buf, sizeof(buf), 7, JOURNAL_REC_UPSERT, &in);
	ck_assert_msg(n > 0, "%s: encode %d", name, n);
	ck_assert_int_eq(decode_exact(buf, (size_t)n, &seq, &type, &out, &used), JOURNAL_DECODE_OK);
	ck_assert_msg(memcmp(&out, &in, sizeof(in)) == 0, "%s: lost in the round trip", name);
	for (unsigned f = since; f-- > 0;) {
		size_t body = body_len_of_format(f, in.key_len);
		uint8_t old[JOURNAL_RECORD_MAX];
		memcpy(old, buf, JOURNAL_HEADER_LEN + body);
		old[4] = (uint8_t)body;
		old[5] = old[6] = old[7] = 0;
		old[21] = (uint8_t)f;
		reseal(old, JOURNAL_HEADER_LEN + body);
		ck_assert_int_eq(
		    decode_exact(old, JOURNAL_HEADER_LEN + body, &seq, &type, &out, &used),
		    JOURNAL_DECODE_OK);
		static const uint8_t zero[sizeof(struct lease_name)];
		ck_assert_msg(memcmp((const uint8_t *)&out + off, zero, sizeof(zero)) == 0,
			      "%s: not empty from a format %u record", name, f);
	}
}

/* Every field of LEASE_FIELD_LIST, so a field added to it is covered at once. */
#define ROUND_TRIP_u8(name, ctype, dim, since) \
	field_round_trip(#name, offsetof(struct lease_image, name), sizeof(ctype dim), since);
#define ROUND_TRIP_le32 ROUND_TRIP_u8
#define ROUND_TRIP_le64 ROUND_TRIP_u8
#define ROUND_TRIP_raw ROUND_TRIP_u8
#define ROUND_TRIP_name(name, ctype, dim, since) \
	name_round_trip(#name, offsetof(struct lease_image, name), since);
START_TEST(every_listed_field_round_trips){
#define ROUND_TRIP(name, ctype, dim, wire, since, ...) ROUND_TRIP_##wire(name, ctype, dim, since)
	LEASE_FIELD_LIST(ROUND_TRIP)
#undef ROUND_TRIP
} END_TEST

    static Suite *journal_record_suite(void)
{
	Suite *s = suite_create("journal_record");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, golden_encode);
	tcase_add_test(tc, golden_decode);
	tcase_add_test(tc, golden_v2_decode);
	tcase_add_test(tc, golden_v1_decode);
	tcase_add_test(tc, golden_v0_decode);
	tcase_add_test(tc, format_version_mismatch);
	tcase_add_test(tc, encode_no_room);
	tcase_add_loop_test(tc, encode_rejects_invalid, 0,
			    (int)(sizeof(bad_images) / sizeof(bad_images[0])));
	tcase_add_loop_test(tc, decode_rejects_invalid_body, 0,
			    (int)(sizeof(bad_images) / sizeof(bad_images[0])));
	tcase_add_test(tc, decode_results);
	tcase_add_test(tc, decode_result_names);
	tcase_add_test(tc, round_trip_random);
	tcase_add_test(tc, decode_random_bytes);
	tcase_add_test(tc, lease_conversion);
	tcase_add_test(tc, store_v1_bytes_unchanged);
	tcase_add_test(tc, store_v2_bytes_unchanged);
	tcase_add_test(tc, store_v3_bytes_unchanged);
	tcase_add_test(tc, every_listed_field_round_trips);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(journal_record_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
