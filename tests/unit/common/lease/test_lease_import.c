/* SPDX-License-Identifier: BSD-3-Clause */
/* Lease file parsers and the Kea CSV writer (common/lease/lease_import.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_server.h"
#include "lease/lease_import.h"
#include "lease/lease_table.h"

#define MAX_RECS 16

struct collected {
	struct lease_import_rec r[MAX_RECS];
	int n;
};

static int collect(const struct lease_import_rec *rec, void *arg)
{
	struct collected *c = arg;
	if (c->n < MAX_RECS)
		c->r[c->n] = *rec;
	c->n++;
	return 0;
}

/* A file as kea-dhcp4 2.2 writes it (memfile, lease4 schema 2.1). */
static const char kea_csv[] =
    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,"
    "user_context\n"
    "10.77.70.1,00:0c:07:00:00:01,01:00:0c:07:00:00:01,3600,1704369600,7,0,0,,0,\n"
    "10.77.70.2,00:0c:07:00:00:02,,3600,1704369600,7,1,1,host&#x2cname,0,{ \"a\": 1 }\n"
    "10.77.70.3,00:0c:07:00:00:03,,3600,1704369600,7,0,0,,1,\r\n"
    "10.77.70.4,00:0c:07:00:00:04,,0,1704369600,7,0,0,,2,\n";

START_TEST(kea_parse)
{
	struct collected c = { 0 };
	char err[LEASE_IMPORT_ERR_LEN];

	ck_assert_int_eq(lease_import_detect(kea_csv, strlen(kea_csv)), LEASE_IMPORT_KEA_CSV);
	ck_assert_int_eq(lease_import_kea_csv(kea_csv, strlen(kea_csv), collect, &c, err), 4);
	ck_assert_uint_eq(c.r[0].ip, 0x0a4d4601);
	ck_assert_uint_eq(c.r[0].hlen, 6);
	ck_assert_uint_eq(c.r[0].hwaddr[5], 1);
	ck_assert_uint_eq(c.r[0].client_id_len, 7);
	ck_assert_uint_eq(c.r[0].valid_lifetime, 3600);
	ck_assert_int_eq(c.r[0].expire, 1704369600);
	ck_assert_int_eq(c.r[0].cltt, 1704369600 - 3600);
	ck_assert_uint_eq(c.r[0].subnet_id, 7);
	ck_assert_int_eq(c.r[0].state, LEASE_BOUND);
	ck_assert_str_eq(c.r[1].hostname, "host,name");
	ck_assert_int_eq(c.r[2].state, LEASE_DECLINED);
	ck_assert_int_eq(c.r[3].state, LEASE_EXPIRED);
}
END_TEST

/* Malformed Kea files: refused with the line number, never a partial success. */
static const char *const kea_bad[] = {
	"",
	"address,hwaddr\n",
	"address,hwaddr,client_id,valid_lifetime,expire\n10.0.0.256,,,1,1\n",
	"address,hwaddr,client_id,valid_lifetime,expire\n10.0.0.1,zz,,1,1\n",
	"address,hwaddr,client_id,valid_lifetime,expire\n10.0.0.1,,,x,1\n",
	"address,hwaddr,client_id,valid_lifetime,expire\n10.0.0.1,,,1\n",
	"address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,"
	"state\n10.0.0.1,,,1,1,1,0,0,,9\n",
	"address,hwaddr,client_id,valid_lifetime,expire\n10.0.0.1,"
	"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10,,1,1\n",
};

START_TEST(kea_malformed)
{
	struct collected c = { 0 };
	char err[LEASE_IMPORT_ERR_LEN];
	ck_assert_int_eq(lease_import_kea_csv(kea_bad[_i], strlen(kea_bad[_i]), collect, &c, err),
			 -EINVAL);
	ck_assert_msg(strncmp(err, "line ", 5) == 0, "error without a line: %s", err);
}
END_TEST

static const char dhcpd_leases[] =
    "# comment\n"
    "authoring-byte-order little-endian;\n"
    "server-duid \"\\000\\001\\000\\001,\";\n"
    "failover peer \"x\" state { my state normal at 1 2024/01/01 00:00:00; }\n"
    "lease 10.0.0.5 {\n"
    "  starts 3 2024/01/03 10:00:00;\n"
    "  ends 3 2024/01/03 11:00:00;\n"
    "  binding state active;\n"
    "  hardware ethernet 52:54:00:aa:00:05;\n"
    "  uid \"\\001RT\\000\\252\\000\\005\";\n"
    "  client-hostname \"pc\";\n"
    "  on expiry { set x = \"}\"; }\n"
    "}\n"
    "lease 10.0.0.6 { starts 3 2024/01/03 10:00:00; ends never; binding state active;\n"
    "  hardware ethernet 52:54:00:aa:00:06; uid 01:52:54:00:aa:00:06; }\n"
    "lease 10.0.0.7 { binding state free; hardware ethernet 52:54:00:aa:00:07; }\n"
    "lease 10.0.0.8 { ends epoch 1704369600; binding state released;\n"
    "  hardware ethernet 52:54:00:aa:00:08; }\n"
    "host h { hardware ethernet 00:00:00:00:00:01; fixed-address 10.0.0.9; }\n";

START_TEST(dhcpd_parse)
{
	struct collected c = { 0 };
	char err[LEASE_IMPORT_ERR_LEN];

	ck_assert_int_eq(lease_import_detect(dhcpd_leases, strlen(dhcpd_leases)),
			 LEASE_IMPORT_DHCPD);
	ck_assert_int_eq(lease_import_dhcpd(dhcpd_leases, strlen(dhcpd_leases), collect, &c, err),
			 3);
	ck_assert_uint_eq(c.r[0].ip, 0x0a000005);
	ck_assert_int_eq(c.r[0].cltt, 1704276000); /* 2024-01-03 10:00:00 UTC */
	ck_assert_int_eq(c.r[0].expire, 1704279600);
	ck_assert_uint_eq(c.r[0].valid_lifetime, 3600);
	ck_assert_uint_eq(c.r[0].client_id_len, 7);
	ck_assert_uint_eq(c.r[0].client_id[0], 1);
	ck_assert_uint_eq(c.r[0].client_id[6], 5);
	ck_assert_str_eq(c.r[0].hostname, "pc");
	ck_assert_uint_eq(c.r[1].valid_lifetime, LEASE_INFINITE);
	ck_assert_uint_eq(c.r[1].client_id_len, 7);
	ck_assert_int_eq(c.r[2].state, LEASE_RELEASED);
	ck_assert_int_eq(c.r[2].expire, 1704369600);
}
END_TEST

static const char *const dhcpd_bad[] = {
	"lease 10.0.0.300 { }",
	"lease 10.0.0.1 starts",
	"lease 10.0.0.1 { starts 3 2024/13/03 10:00:00; }",
	"lease 10.0.0.1 { hardware ethernet zz; }",
	"lease 10.0.0.1 { binding state active;",
	"}",
	"failover peer \"x\" {",
};

START_TEST(dhcpd_malformed)
{
	struct collected c = { 0 };
	char err[LEASE_IMPORT_ERR_LEN];
	ck_assert_int_eq(lease_import_dhcpd(dhcpd_bad[_i], strlen(dhcpd_bad[_i]), collect, &c, err),
			 -EINVAL);
	ck_assert_msg(strncmp(err, "line ", 5) == 0, "error without a line: %s", err);
}
END_TEST

/* Record -> image -> lease -> record -> CSV line -> record is lossless. */
START_TEST(export_roundtrip)
{
	struct collected c = { 0 };
	char err[LEASE_IMPORT_ERR_LEN], *buf = NULL;
	size_t len = 0;
	struct lease_image img;
	struct lease l;

	ck_assert_int_eq(lease_import_kea_csv(kea_csv, strlen(kea_csv), collect, &c, err), 4);
	FILE *out = open_memstream(&buf, &len);
	ck_assert_int_eq(lease_export_kea_header(out), 0);
	for (int i = 0; i < 2; i++) {
		struct lease_import_rec back;
		ck_assert_int_eq(lease_import_to_image(&c.r[i], &img), 0);
		memset(&l, 0, sizeof(l));
		lease_image_to_lease(&l, &img);
		ck_assert_int_eq(lease_import_from_lease(&l, &back), 0);
		ck_assert_uint_eq(back.ip, c.r[i].ip);
		ck_assert_int_eq(back.expire, c.r[i].expire);
		ck_assert_int_eq(lease_export_kea_line(out, &back), 0);
	}
	fclose(out);
	ck_assert_str_eq(buf,
			 "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,"
			 "fqdn_rev,hostname,state,user_context\n"
			 "10.77.70.1,00:0c:07:00:00:01,01:00:0c:07:00:00:01,3600,1704369600,7,0,"
			 "0,,0,\n"
			 "10.77.70.2,00:0c:07:00:00:02,,3600,1704369600,7,0,0,,0,\n");
	free(buf);
	struct lease_import_rec none = { .ip = 1 };
	ck_assert_int_eq(lease_import_to_image(&none, &img), -EINVAL);
}
END_TEST

/*
 * A name and its DNS flags survive Kea CSV -> image -> a lease of a table
 * (the name in its name slab) -> CSV -> record; dhcpd.leases gives its
 * ddns-fwd-name over client-hostname.
 */
START_TEST(named_roundtrip)
{
	static const char csv[] =
	    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,"
	    "state,user_context\n"
	    "10.77.70.5,00:0c:07:00:00:05,,3600,1704369600,7,1,0,Host5.Example.Test.,0,\n"
	    "10.77.70.6,00:0c:07:00:00:06,,3600,1704369600,7,true,true,six,0,\n"
	    "10.77.70.7,00:0c:07:00:00:07,,3600,1704369600,7,1,1,bad name,0,\n";
	struct lease_table_params tp = { .n_writers = 1, .max_leases = 16 };
	struct collected c = { 0 }, again = { 0 };
	char err[LEASE_IMPORT_ERR_LEN], *buf = NULL;
	size_t len = 0;
	struct lease_image img;

	rcu_register_thread();
	struct lease_table *t = lease_table_create(&tp);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(lease_table_add_range(t, 7, 0x0a4d4600u, 0x0a4d46ffu, ADDR_RANGE_POOL), 0);
	ck_assert_int_eq(lease_import_kea_csv(csv, strlen(csv), collect, &c, err), 3);
	ck_assert(c.r[0].fqdn_fwd && !c.r[0].fqdn_rev);
	ck_assert(c.r[1].fqdn_fwd && c.r[1].fqdn_rev);
	FILE *out = open_memstream(&buf, &len);
	for (int i = 0; i < 3; i++) {
		struct lease_import_rec back;
		ck_assert_int_eq(lease_import_to_image(&c.r[i], &img), 0);
		if (i == 0) {
			ck_assert_str_eq(img.fqdn.bytes, "host5.example.test");
			ck_assert_uint_eq(img.dns_flags, LEASE_DNS_F_FWD);
		}
		if (i == 2) /* not a name: neither it nor its flags come in */
			ck_assert(img.fqdn.len == 0 && img.dns_flags == 0);
		ck_assert_int_eq(journal_record_validate(JOURNAL_REC_UPSERT, &img), 0);
		ck_assert_int_eq(
		    dhcp_server_apply_image(t, 0, JOURNAL_REC_UPSERT, &img, 1704360000), 0);
		const struct lease *l = lease_table_find_ip(t, c.r[i].ip);
		ck_assert_ptr_nonnull(l);
		ck_assert_int_eq(lease_import_from_lease(l, &back), 0);
		ck_assert_int_eq(lease_export_kea_line(out, &back), 0);
	}
	fclose(out);
	ck_assert_str_eq(buf, "10.77.70.5,00:0c:07:00:00:05,,3600,1704369600,7,1,0,"
			      "host5.example.test.,0,\n"
			      "10.77.70.6,00:0c:07:00:00:06,,3600,1704369600,7,1,1,six.,0,\n"
			      "10.77.70.7,00:0c:07:00:00:07,,3600,1704369600,7,0,0,,0,\n");
	/* And back in: the same names and flags. */
	char *file = NULL;
	size_t flen = 0;
	FILE *f = open_memstream(&file, &flen);
	lease_export_kea_header(f);
	fputs(buf, f);
	fclose(f);
	ck_assert_int_eq(lease_import_kea_csv(file, flen, collect, &again, err), 3);
	ck_assert_str_eq(again.r[0].hostname, "host5.example.test.");
	ck_assert(again.r[0].fqdn_fwd && !again.r[0].fqdn_rev);
	ck_assert(again.r[1].fqdn_fwd && again.r[1].fqdn_rev);
	free(file);
	free(buf);

	static const char leases[] =
	    "lease 10.77.70.8 {\n"
	    "  starts 3 2024/01/03 10:00:00;\n  ends 3 2024/01/03 11:00:00;\n"
	    "  binding state active;\n  hardware ethernet 00:0c:07:00:00:08;\n"
	    "  client-hostname \"eight\";\n"
	    "  set ddns-fwd-name = \"Eight.Example.Test\";\n"
	    "  set ddns-rev-name = \"8.70.77.10.in-addr.arpa.\";\n"
	    "  set vendor-class-identifier = \"x\";\n"
	    "}\n"
	    "lease 10.77.70.9 {\n  binding state active;\n"
	    "  hardware ethernet 00:0c:07:00:00:09;\n  client-hostname \"nine\";\n}\n";
	struct collected d = { 0 };
	ck_assert_int_eq(lease_import_dhcpd(leases, strlen(leases), collect, &d, err), 2);
	ck_assert_str_eq(d.r[0].hostname, "Eight.Example.Test");
	ck_assert(d.r[0].fqdn_fwd && d.r[0].fqdn_rev);
	ck_assert_int_eq(lease_import_to_image(&d.r[0], &img), 0);
	ck_assert_str_eq(img.fqdn.bytes, "eight.example.test");
	ck_assert_uint_eq(img.dns_flags, LEASE_DNS_F_FWD | LEASE_DNS_F_REV);
	ck_assert_str_eq(d.r[1].hostname, "nine");
	ck_assert(!d.r[1].fqdn_fwd && !d.r[1].fqdn_rev);

	rcu_quiescent_state();
	lease_table_destroy(t);
	rcu_unregister_thread();
}
END_TEST

/* Every column the field list maps 1:1 is a column of the header Kea reads. */
START_TEST(field_list_columns_in_header)
{
	char *buf = NULL, cols[512];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(lease_export_kea_header(m), 0);
	fclose(m);
	snprintf(cols, sizeof(cols), ",%.*s,", (int)strcspn(buf, "\n"), buf);
	free(buf);
#define HAS_COLUMN(name, member, column) ck_assert_ptr_nonnull(strstr(cols, "," column ","));
#define FIELD(name, ctype, dim, wire, since, kea, view) LEASE_KEA_APPLY(HAS_COLUMN, name, kea)
	LEASE_FIELD_LIST(FIELD)
#undef FIELD
#undef HAS_COLUMN
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lease_import");
	TCase *tc = tcase_create("parsers");
	tcase_add_test(tc, kea_parse);
	tcase_add_loop_test(tc, kea_malformed, 0, sizeof(kea_bad) / sizeof(kea_bad[0]));
	tcase_add_test(tc, dhcpd_parse);
	tcase_add_loop_test(tc, dhcpd_malformed, 0, sizeof(dhcpd_bad) / sizeof(dhcpd_bad[0]));
	tcase_add_test(tc, export_roundtrip);
	tcase_add_test(tc, named_roundtrip);
	tcase_add_test(tc, field_list_columns_in_header);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
