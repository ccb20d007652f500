/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader: the lab default, a document using every key, derived
 * defaults, one table of error cases each pinned to its key path, and the
 * reference docs checked against the schema so they cannot drift.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

/* Test documents use ' for " to stay readable; swapped before loading. */
static char *dq(const char *s)
{
	char *t = strdup(s);
	ck_assert_ptr_nonnull(t);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

static struct lw_config *load(const char *single_quoted, char err[CFG_ERR_LEN])
{
	char *json = dq(single_quoted);
	struct lw_config *cfg = config_load_string(json, err);
	free(json);
	return cfg;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void assert_option(const struct cfg_option *o, const uint8_t *bytes, size_t len)
{
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->len, len);
	ck_assert_mem_eq(o->data, bytes, len);
}

/* ------------------------------------------------------------------------ */

START_TEST(test_default_config)
{
	char err[CFG_ERR_LEN];
	struct lw_config *cfg = config_load_string(config_default_json, err);

	ck_assert_msg(cfg, "default config: %s", err);
	ck_assert_uint_eq(cfg->n_interfaces, 1);
	ck_assert_str_eq(cfg->interfaces[0].name, "port0");
	ck_assert_uint_eq(cfg->interfaces[0].port_id, 0);
	ck_assert_uint_eq(cfg->interfaces[0].address, IP(10, 77, 0, 1));
	ck_assert_uint_eq(cfg->interfaces[0].prefix_len, 24);
	ck_assert_uint_eq(cfg->valid_lifetime, 3600);
	ck_assert_uint_eq(cfg->renew_timer, 900);
	ck_assert_uint_eq(cfg->rebind_timer, 1800);
	ck_assert(cfg->authoritative);
	ck_assert_uint_eq(cfg->offer_lifetime, 10);
	ck_assert_uint_eq(cfg->decline_probation_period, 86400);
	ck_assert_uint_eq(cfg->max_leases, 1048576);
	ck_assert_str_eq(cfg->lease_store.directory, "/var/lib/leasewire/lab");
	ck_assert_int_eq(cfg->lease_store.durability, CFG_DURABILITY_FSYNC);
	ck_assert_uint_eq(cfg->lease_store.commit_max_delay_us, 200);
	ck_assert_uint_eq(cfg->lease_store.commit_max_batch, 4096);
	ck_assert_uint_eq(cfg->lease_store.snapshot_every, 1000000);
	ck_assert_uint_eq(cfg->lease_store.ack_timeout_ms, 2000);
	ck_assert_uint_eq(cfg->rate_limit.client_pps, 50);
	ck_assert_uint_eq(cfg->rate_limit.client_burst, 100);
	ck_assert_uint_eq(cfg->n_options, 0);

	ck_assert_uint_eq(cfg->n_subnets, 1);
	const struct cfg_subnet *sn = config_subnet_by_id(cfg, 1);
	ck_assert_ptr_eq(sn, &cfg->subnets[0]);
	ck_assert_ptr_null(config_subnet_by_id(cfg, 2));
	ck_assert_uint_eq(sn->prefix, IP(10, 77, 0, 0));
	ck_assert_uint_eq(sn->prefix_len, 24);
	ck_assert_str_eq(sn->interface, "port0");
	ck_assert_uint_eq(sn->n_relay_addresses, 0);
	ck_assert_uint_eq(sn->n_pools, 1);
	ck_assert_uint_eq(sn->pools[0].first, IP(10, 77, 0, 10));
	ck_assert_uint_eq(sn->pools[0].last, IP(10, 77, 0, 250));
	ck_assert_uint_eq(sn->valid_lifetime, 3600);
	ck_assert_uint_eq(sn->renew_timer, 900);
	ck_assert_uint_eq(sn->rebind_timer, 1800);
	ck_assert(sn->authoritative);
	ck_assert(!sn->dynamic_bootp);
	ck_assert_uint_eq(sn->n_reservations, 0);

	static const uint8_t router[] = { 10, 77, 0, 1 };
	assert_option(config_option(cfg, sn, 3), router, sizeof(router));
	assert_option(config_option(cfg, sn, 6), router, sizeof(router));
	const struct cfg_option *dn = config_option(cfg, sn, 15);
	assert_option(dn, (const uint8_t *)"lab.leasewire.test", 18);
	ck_assert(!dn->always_send);
	ck_assert_ptr_null(config_option(cfg, sn, 42));
	ck_assert_ptr_null(config_option(cfg, NULL, 3));
	config_free(cfg);
}
END_TEST

static const char full_example[] =
    "{ 'Dhcp4': {\n"
    "  'interfaces-config': { 'interfaces': [\n"
    "    { 'name': 'port0', 'port': 0, 'address': '10.77.0.1/24' },\n"
    "    { 'name': 'port1', 'port': 3, 'address': '10.78.0.1/16' } ] },\n"
    "  'valid-lifetime': 7200, 'renew-timer': 1000, 'rebind-timer': 2000,\n"
    "  'authoritative': true, 'offer-lifetime': 30, 'decline-probation-period': 600,\n"
    "  'max-leases': 4096,\n"
    "  'lease-store': { 'directory': '/tmp/lw', 'durability': 'write',\n"
    "    'commit-max-delay-us': 500, 'commit-max-batch': 128, 'snapshot-every': 5000,\n"
    "    'ack-timeout-ms': 100 },\n"
    "  'option-data': [\n"
    "    { 'name': 'domain-name-servers', 'data': '10.77.0.1, 10.77.0.2' },\n"
    "    { 'code': 15, 'data': 'lab.example' },\n"
    "    { 'code': 252, 'csv-format': false, 'data': '0A0B0C' },\n"
    "    { 'name': 'domain-search', 'data': 'lab.example, example.com.', 'always-send': true },\n"
    "    { 'name': 'ntp-servers', 'code': 42, 'data': '10.77.0.3' },\n"
    "    { 'name': 'time-offset', 'data': '-3600' },\n"
    "    { 'name': 'interface-mtu', 'data': '1500' },\n"
    "    { 'name': 'tftp-server-name', 'data': 'tftp.lab' },\n"
    "    { 'name': 'boot-file-name', 'data': 'pxelinux.0' },\n"
    "    { 'code': 224, 'data': 'hello' },\n"
    "    { 'code': 225, 'csv-format': false, 'data': 'de:ad:BE:ef' },\n"
    "    { 'code': 3, 'data': '10.77.0.254' } ],\n"
    "  'subnet4': [ {\n"
    "    'id': 1, 'subnet': '10.77.0.0/24', 'interface': 'port0',\n"
    "    'relay': { 'ip-addresses': [ '10.88.0.1' ] },\n"
    "    'pools': [ { 'pool': '10.77.0.10 - 10.77.0.250' }, { 'pool': '10.77.0.4/30' } ],\n"
    "    'option-data': [\n"
    "      { 'name': 'routers', 'data': '10.77.0.1' },\n"
    "      { 'name': 'classless-static-route',\n"
    "        'data': '10.0.0.0/8 - 10.77.0.1, 0.0.0.0/0 - 10.77.0.254, "
    "192.168.1.128/25 - 10.77.0.1' },\n"
    "      { 'name': 'subnet-mask', 'data': '255.255.255.0' },\n"
    "      { 'name': 'broadcast-address', 'data': '10.77.0.255' },\n"
    "      { 'name': 'host-name', 'data': 'h' },\n"
    "      { 'name': 'domain-name-servers', 'data': '10.77.0.53' } ],\n"
    "    'reservations': [\n"
    "      { 'hw-address': 'aa:bb:cc:dd:ee:ff', 'ip-address': '10.77.0.5', 'hostname': 'printer' "
    "},\n"
    "      { 'client-id': '01:aa:bb:cc:dd:ee:ff', 'ip-address': '10.77.0.6' },\n"
    "      { 'hw-address': '00-11-22-33-44-55', 'client-id': 'ff00112233',\n"
    "        'ip-address': '10.77.0.100' } ],\n"
    "    'valid-lifetime': 600, 'renew-timer': 300, 'rebind-timer': 525,\n"
    "    'authoritative': false, 'dynamic-bootp': true\n"
    "  }, {\n"
    "    'id': 2, 'subnet': '10.90.0.0/24',\n"
    "    'relay': { 'ip-addresses': [ '10.90.0.1', '10.88.0.2' ] },\n"
    "    'pools': [ { 'pool': '10.90.0.100-10.90.0.199' } ]\n"
    "  }, {\n"
    "    'id': 70000, 'subnet': '10.78.0.0/16', 'interface': 'port1', 'valid-lifetime': 100000\n"
    "  } ]\n"
    "} }\n";

START_TEST(test_full_example)
{
	char err[CFG_ERR_LEN];
	struct lw_config *cfg = load(full_example, err);

	ck_assert_msg(cfg, "full example: %s", err);
	ck_assert_uint_eq(cfg->n_interfaces, 2);
	ck_assert_str_eq(cfg->interfaces[1].name, "port1");
	ck_assert_uint_eq(cfg->interfaces[1].port_id, 3);
	ck_assert_uint_eq(cfg->interfaces[1].address, IP(10, 78, 0, 1));
	ck_assert_uint_eq(cfg->interfaces[1].prefix_len, 16);
	ck_assert_uint_eq(cfg->valid_lifetime, 7200);
	ck_assert_uint_eq(cfg->renew_timer, 1000);
	ck_assert_uint_eq(cfg->rebind_timer, 2000);
	ck_assert(cfg->authoritative);
	ck_assert_uint_eq(cfg->offer_lifetime, 30);
	ck_assert_uint_eq(cfg->decline_probation_period, 600);
	ck_assert_uint_eq(cfg->max_leases, 4096);
	ck_assert_str_eq(cfg->lease_store.directory, "/tmp/lw");
	ck_assert_int_eq(cfg->lease_store.durability, CFG_DURABILITY_WRITE);
	ck_assert_uint_eq(cfg->lease_store.commit_max_delay_us, 500);
	ck_assert_uint_eq(cfg->lease_store.commit_max_batch, 128);
	ck_assert_uint_eq(cfg->lease_store.snapshot_every, 5000);
	ck_assert_uint_eq(cfg->lease_store.ack_timeout_ms, 100);

	/* Global options, in document order. */
	ck_assert_uint_eq(cfg->n_options, 12);
	static const uint8_t dns[] = { 10, 77, 0, 1, 10, 77, 0, 2 };
	assert_option(config_option(cfg, NULL, 6), dns, sizeof(dns));
	assert_option(config_option(cfg, NULL, 15), (const uint8_t *)"lab.example", 11);
	static const uint8_t hex[] = { 0x0a, 0x0b, 0x0c };
	assert_option(config_option(cfg, NULL, 252), hex, sizeof(hex));
	static const uint8_t search[] = { 3,   'l', 'a', 'b', 7,   'e', 'x', 'a', 'm',
					  'p', 'l', 'e', 0,   7,   'e', 'x', 'a', 'm',
					  'p', 'l', 'e', 3,   'c', 'o', 'm', 0 };
	const struct cfg_option *o = config_option(cfg, NULL, 119);
	assert_option(o, search, sizeof(search));
	ck_assert(o->always_send);
	static const uint8_t ntp[] = { 10, 77, 0, 3 };
	assert_option(config_option(cfg, NULL, 42), ntp, sizeof(ntp));
	static const uint8_t offset[] = { 0xff, 0xff, 0xf1, 0xf0 };
	assert_option(config_option(cfg, NULL, 2), offset, sizeof(offset));
	static const uint8_t mtu[] = { 0x05, 0xdc };
	assert_option(config_option(cfg, NULL, 26), mtu, sizeof(mtu));
	assert_option(config_option(cfg, NULL, 66), (const uint8_t *)"tftp.lab", 8);
	assert_option(config_option(cfg, NULL, 67), (const uint8_t *)"pxelinux.0", 10);
	assert_option(config_option(cfg, NULL, 224), (const uint8_t *)"hello", 5);
	static const uint8_t dead[] = { 0xde, 0xad, 0xbe, 0xef };
	assert_option(config_option(cfg, NULL, 225), dead, sizeof(dead));
	/* A bare code with a known format is encoded by that format. */
	static const uint8_t grouter[] = { 10, 77, 0, 254 };
	assert_option(config_option(cfg, NULL, 3), grouter, sizeof(grouter));
	ck_assert(!config_option(cfg, NULL, 6)->always_send);

	ck_assert_uint_eq(cfg->n_subnets, 3);
	const struct cfg_subnet *s1 = config_subnet_by_id(cfg, 1);
	ck_assert_ptr_nonnull(s1);
	ck_assert_uint_eq(s1->prefix, IP(10, 77, 0, 0));
	ck_assert_uint_eq(s1->prefix_len, 24);
	ck_assert_str_eq(s1->interface, "port0");
	ck_assert_uint_eq(s1->n_relay_addresses, 1);
	ck_assert_uint_eq(s1->relay_addresses[0], IP(10, 88, 0, 1));
	ck_assert_uint_eq(s1->n_pools, 2);
	ck_assert_uint_eq(s1->pools[0].first, IP(10, 77, 0, 10));
	ck_assert_uint_eq(s1->pools[0].last, IP(10, 77, 0, 250));
	ck_assert_uint_eq(s1->pools[1].first, IP(10, 77, 0, 4));
	ck_assert_uint_eq(s1->pools[1].last, IP(10, 77, 0, 7));
	ck_assert_uint_eq(s1->valid_lifetime, 600);
	ck_assert_uint_eq(s1->renew_timer, 300);
	ck_assert_uint_eq(s1->rebind_timer, 525);
	ck_assert(!s1->authoritative);
	ck_assert(s1->dynamic_bootp);

	ck_assert_uint_eq(s1->n_options, 6);
	static const uint8_t router[] = { 10, 77, 0, 1 };
	assert_option(config_option(cfg, s1, 3), router, sizeof(router));
	static const uint8_t routes[] = { 8,   10, 10,	77,  0, 1,   0,	 10, 77, 0,
					  254, 25, 192, 168, 1, 128, 10, 77, 0,	 1 };
	assert_option(config_option(cfg, s1, 121), routes, sizeof(routes));
	static const uint8_t mask[] = { 255, 255, 255, 0 };
	assert_option(config_option(cfg, s1, 1), mask, sizeof(mask));
	static const uint8_t bcast[] = { 10, 77, 0, 255 };
	assert_option(config_option(cfg, s1, 28), bcast, sizeof(bcast));
	assert_option(config_option(cfg, s1, 12), (const uint8_t *)"h", 1);
	/* Subnet overrides global by code; global fills the rest. */
	static const uint8_t sdns[] = { 10, 77, 0, 53 };
	assert_option(config_option(cfg, s1, 6), sdns, sizeof(sdns));
	assert_option(config_option(cfg, s1, 42), ntp, sizeof(ntp));

	ck_assert_uint_eq(s1->n_reservations, 3);
	const struct cfg_reservation *r = &s1->reservations[0];
	static const uint8_t mac[] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	ck_assert_uint_eq(r->hlen, 6);
	ck_assert_mem_eq(r->hw_address, mac, 6);
	ck_assert_uint_eq(r->client_id_len, 0);
	ck_assert_uint_eq(r->ip_address, IP(10, 77, 0, 5));
	ck_assert_str_eq(r->hostname, "printer");
	r = &s1->reservations[1];
	static const uint8_t cid[] = { 0x01, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	ck_assert_uint_eq(r->hlen, 0);
	ck_assert_uint_eq(r->client_id_len, 7);
	ck_assert_mem_eq(r->client_id, cid, 7);
	ck_assert_uint_eq(r->ip_address, IP(10, 77, 0, 6));
	ck_assert_str_eq(r->hostname, "");
	r = &s1->reservations[2];
	static const uint8_t mac2[] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t cid2[] = { 0xff, 0x00, 0x11, 0x22, 0x33 };
	ck_assert_uint_eq(r->hlen, 6);
	ck_assert_mem_eq(r->hw_address, mac2, 6);
	ck_assert_uint_eq(r->client_id_len, 5);
	ck_assert_mem_eq(r->client_id, cid2, 5);
	ck_assert_uint_eq(r->ip_address, IP(10, 77, 0, 100));

	/* Relayed-only subnet: everything inherited from Dhcp4. */
	const struct cfg_subnet *s2 = config_subnet_by_id(cfg, 2);
	ck_assert_ptr_eq(s2, &cfg->subnets[1]);
	ck_assert_str_eq(s2->interface, "");
	ck_assert_uint_eq(s2->n_relay_addresses, 2);
	ck_assert_uint_eq(s2->relay_addresses[0], IP(10, 90, 0, 1));
	ck_assert_uint_eq(s2->relay_addresses[1], IP(10, 88, 0, 2));
	ck_assert_uint_eq(s2->pools[0].first, IP(10, 90, 0, 100));
	ck_assert_uint_eq(s2->pools[0].last, IP(10, 90, 0, 199));
	ck_assert_uint_eq(s2->valid_lifetime, 7200);
	ck_assert_uint_eq(s2->renew_timer, 1000);
	ck_assert_uint_eq(s2->rebind_timer, 2000);
	ck_assert(s2->authoritative);
	ck_assert(!s2->dynamic_bootp);
	ck_assert_uint_eq(s2->n_options, 0);
	assert_option(config_option(cfg, s2, 6), dns, sizeof(dns));
	assert_option(config_option(cfg, s2, 3), grouter, sizeof(grouter));

	const struct cfg_subnet *s3 = config_subnet_by_id(cfg, 70000);
	ck_assert_ptr_eq(s3, &cfg->subnets[2]);
	ck_assert_uint_eq(s3->n_pools, 0);
	ck_assert_uint_eq(s3->valid_lifetime, 100000);
	ck_assert_uint_eq(s3->renew_timer, 1000);
	ck_assert_uint_eq(s3->rebind_timer, 2000);
	config_free(cfg);
}
END_TEST

#define IFACES \
	"'interfaces-config':{'interfaces':[{'name':'port0','port':0,'address':'10.77.0.1/24'}]}"

START_TEST(test_derived_timers)
{
	char err[CFG_ERR_LEN];
	struct lw_config *cfg =
	    load("{'Dhcp4':{" IFACES ",'valid-lifetime':1000,'subnet4':["
		 "{'id':1,'subnet':'10.77.0.0/24','interface':'port0','valid-lifetime':600},"
		 "{'id':2,'subnet':'10.99.0.0/24','relay':{'ip-addresses':['10.99.0.1']}}]}}",
		 err);

	ck_assert_msg(cfg, "%s", err);
	ck_assert_uint_eq(cfg->renew_timer, 500);
	ck_assert_uint_eq(cfg->rebind_timer, 875);
	ck_assert(!cfg->authoritative);
	/* Neither level sets the timers: derived from the subnet's own lifetime. */
	ck_assert_uint_eq(cfg->subnets[0].renew_timer, 300);
	ck_assert_uint_eq(cfg->subnets[0].rebind_timer, 525);
	ck_assert_uint_eq(cfg->subnets[1].valid_lifetime, 1000);
	ck_assert_uint_eq(cfg->subnets[1].renew_timer, 500);
	ck_assert_uint_eq(cfg->subnets[1].rebind_timer, 875);
	/* No min-/max-valid-lifetime: [valid, valid] at each level, option 51 changes nothing. */
	ck_assert_uint_eq(cfg->min_valid_lifetime, 1000);
	ck_assert_uint_eq(cfg->max_valid_lifetime, 1000);
	ck_assert_uint_eq(cfg->subnets[0].min_valid_lifetime, 600);
	ck_assert_uint_eq(cfg->subnets[0].max_valid_lifetime, 600);
	ck_assert_uint_eq(cfg->subnets[1].min_valid_lifetime, 1000);
	ck_assert_uint_eq(cfg->subnets[1].max_valid_lifetime, 1000);
	ck_assert(!cfg->calculate_tee_times && !cfg->subnets[1].calculate_tee_times);
	ck_assert_uint_eq(cfg->t1_ppm, 500000);
	ck_assert_uint_eq(cfg->t2_ppm, 875000);
	ck_assert(!cfg->subnets[1].renew_set && !cfg->subnets[1].rebind_set);
	/* lease-store absent: every default applies. */
	ck_assert_str_eq(cfg->lease_store.directory, "/var/lib/leasewire");
	ck_assert_int_eq(cfg->lease_store.durability, CFG_DURABILITY_FSYNC);
	ck_assert_uint_eq(cfg->lease_store.commit_max_delay_us, 200);
	ck_assert_uint_eq(cfg->lease_store.commit_max_batch, 4096);
	ck_assert_uint_eq(cfg->lease_store.snapshot_every, 1000000);
	ck_assert_uint_eq(cfg->lease_store.ack_timeout_ms, 2000);
	config_free(cfg);
}
END_TEST

/*
 * Set min-/max-valid-lifetime and their inheritance (a subnet that sets
 * valid-lifetime bounds it itself); calculate-tee-times derives absent
 * timers from t1-/t2-percent (rounded, as Kea does).
 */
START_TEST(test_lease_time_bounds)
{
	char err[CFG_ERR_LEN];
	struct lw_config *cfg =
	    load("{'Dhcp4':{" IFACES ",'valid-lifetime':1001,'min-valid-lifetime':600,"
		 "'max-valid-lifetime':7200,'calculate-tee-times':true,'t1-percent':0.25,"
		 "'t2-percent':0.6,'subnet4':["
		 "{'id':1,'subnet':'10.77.0.0/24','interface':'port0'},"
		 "{'id':2,'subnet':'10.99.0.0/24','relay':{'ip-addresses':['10.99.0.1']},"
		 "'valid-lifetime':900,'max-valid-lifetime':1800,'calculate-tee-times':false,"
		 "'renew-timer':100},"
		 "{'id':3,'subnet':'10.98.0.0/24','relay':{'ip-addresses':['10.98.0.1']},"
		 "'t2-percent':0.7}]}}",
		 err);
	ck_assert_msg(cfg, "%s", err);
	ck_assert_uint_eq(cfg->renew_timer, 250); /* round(1001 * 0.25) */
	ck_assert_uint_eq(cfg->rebind_timer, 601); /* round(1001 * 0.6) */
	const struct cfg_subnet *s1 = &cfg->subnets[0], *s2 = &cfg->subnets[1],
				*s3 = &cfg->subnets[2];
	ck_assert_uint_eq(s1->min_valid_lifetime, 600);
	ck_assert_uint_eq(s1->max_valid_lifetime, 7200);
	ck_assert(s1->calculate_tee_times);
	ck_assert_uint_eq(s1->t1_ppm, 250000);
	ck_assert_uint_eq(s1->t2_ppm, 600000);
	ck_assert_uint_eq(s1->renew_timer, 250);
	ck_assert_uint_eq(s1->rebind_timer, 601);
	/* It sets valid-lifetime: its own bounds, min from it; the RFC shares. */
	ck_assert_uint_eq(s2->min_valid_lifetime, 900);
	ck_assert_uint_eq(s2->max_valid_lifetime, 1800);
	ck_assert(!s2->calculate_tee_times);
	ck_assert_uint_eq(s2->t1_ppm, 500000);
	ck_assert_uint_eq(s2->t2_ppm, 875000);
	ck_assert(s2->renew_set && !s2->rebind_set);
	ck_assert_uint_eq(s2->renew_timer, 100);
	ck_assert_uint_eq(s2->rebind_timer, 787); /* 900 * 7 / 8, rounded down */
	ck_assert_uint_eq(s3->t1_ppm, 250000);
	ck_assert_uint_eq(s3->t2_ppm, 700000);
	ck_assert_uint_eq(s3->rebind_timer, 701); /* round(1001 * 0.7) */
	config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Errors: each case pins the key path (and usually the whole message).     */

#define D4(rest) "{'Dhcp4':{" IFACES rest "}}"
#define SUB(rest) D4(",'subnet4':[{'id':1,'subnet':'10.77.0.0/24','interface':'port0'" rest "}]")
#define SUB2(rest) D4(",'subnet4':[{'id':1,'subnet':'10.77.0.0/24','interface':'port0'}," rest "]")
#define RES(r) SUB(",'reservations':[" r "]")
#define GOPT(o) D4(",'option-data':[" o "]")
#define SOPT(o) SUB(",'option-data':[" o "]")
/* A failover section: id is peer-name and role, rest the other keys. */
#define FO(id, rest) \
	D4(",'failover':{" id ",'address':'10.0.0.1','peer-address':'10.0.0.2'" rest "}")
#define FO_MIN(rest) FO("'peer-name':'fo','role':'primary'", rest)
#define NAME63 "fo relationship: 0123456789012345678901234567890123456789 ~!#$%"
#define LONG64 NAME63 "x"
#define HBA16 "ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff"
#define HBA_HALF HBA16 ":00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00"
/* A ddns section with one key and one forward zone; rest adds keys to it. */
#define DDNS_SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="
#define DDNS_KEY "{'name':'ddns-key','secret':'" DDNS_SECRET "'}"
#define DDNS_ZONE(n, k) \
	"{'name':'" n "','key-name':'" k "','dns-servers':[{'ip-address':'127.0.0.1'}]}"
#define DDNS(keys, fwd, rest) \
	D4(",'ddns':{'tsig-keys':[" keys "],'forward-ddns':{'ddns-domains':[" fwd "]}" rest "}")
#define HBA_HALF_BAD HBA16 ":00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:0g"

static const struct {
	const char *json; /* ' stands for " */
	const char *want; /* expected prefix of the error */
} error_cases[] = {
	/* structure and unknown keys at each level */
	{ "{}", "Dhcp4: required key is missing" },
	{ "[]", "document: must be an object" },
	{ "{'Dhcp4':5}", "Dhcp4: must be an object" },
	{ "{'Dhcp4':{},'Dhcp6':{}}", "Dhcp6: unknown key" },
	{ D4(",'bogus':1"), "Dhcp4.bogus: unknown key" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[{'name':'p','port':0,"
	  "'address':'10.0.0.1/8','mtu':1500}]}}}",
	  "Dhcp4.interfaces-config.interfaces[0].mtu: unknown key" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[],'re-detect':true}}}",
	  "Dhcp4.interfaces-config.re-detect: unknown key" },
	{ SUB(",'bogus':1"), "Dhcp4.subnet4[0].bogus: unknown key" },
	{ SUB2("{'id':2,'subnet':'10.99.0.0/24','relay':{'ip-addresses':['10.99.0.1']},'bogus':1}"),
	  "Dhcp4.subnet4[1].bogus: unknown key" },
	{ SUB(",'pools':[{'pool':'10.77.0.10-10.77.0.20','client-class':'x'}]"),
	  "Dhcp4.subnet4[0].pools[0].client-class: unknown key" },
	{ RES("{'hw-address':'aa:bb:cc:dd:ee:ff','ip-address':'10.77.0.5','next-server':'1.2.3.4'"
	      "}"),
	  "Dhcp4.subnet4[0].reservations[0].next-server: unknown key" },
	{ SUB(",'relay':{'ip-address':'10.1.1.1'}"),
	  "Dhcp4.subnet4[0].relay.ip-address: unknown key" },
	{ D4(",'lease-store':{'type':'memfile'}"), "Dhcp4.lease-store.type: unknown key" },
	{ GOPT("{'name':'routers','data':'10.77.0.1','space':'dhcp4'}"),
	  "Dhcp4.option-data[0].space: unknown key" },
	{ D4(",'subnet4':[1]"), "Dhcp4.subnet4[0]: must be an object" },
	{ D4(",'subnet4':{}"), "Dhcp4.subnet4: must be an array" },
	/* types and ranges */
	{ D4(",'valid-lifetime':'3600'"),
	  "Dhcp4.valid-lifetime: must be an integer between 60 and 4294967294" },
	{ D4(",'valid-lifetime':59"),
	  "Dhcp4.valid-lifetime: must be an integer between 60 and 4294967294" },
	{ D4(",'valid-lifetime':3600.5"),
	  "Dhcp4.valid-lifetime: must be an integer between 60 and 4294967294" },
	{ D4(",'valid-lifetime':4294967295"),
	  "Dhcp4.valid-lifetime: must be an integer between 60 and 4294967294" },
	{ D4(",'authoritative':'yes'"), "Dhcp4.authoritative: must be true or false" },
	{ D4(",'offer-lifetime':0"),
	  "Dhcp4.offer-lifetime: must be an integer between 1 and 3600" },
	{ D4(",'rate-limit':{'client-packets-per-sec':-1}"),
	  "Dhcp4.rate-limit.client-packets-per-sec: must be an integer between 0 and 1000000" },
	{ D4(",'rate-limit':{'client-burst':0}"),
	  "Dhcp4.rate-limit.client-burst: must be an integer between 1 and 1000000" },
	{ D4(",'rate-limit':{'client-bucket':5}"), "Dhcp4.rate-limit.client-bucket: unknown key" },
	{ D4(",'max-leases':100"),
	  "Dhcp4.max-leases: must be an integer between 1024 and 67108864" },
	{ D4(",'lease-store':{'durability':'maybe'}"),
	  "Dhcp4.lease-store.durability: \"maybe\" is not one of fsync, write, none" },
	{ D4(",'lease-store':{'commit-max-batch':0}"),
	  "Dhcp4.lease-store.commit-max-batch: must be an integer between 1 and 65536" },
	{ D4(",'lease-store':{'commit-max-delay-us':100001}"),
	  "Dhcp4.lease-store.commit-max-delay-us: must be an integer between 0 and 100000" },
	{ D4(",'lease-store':{'directory':'var/lib'}"),
	  "Dhcp4.lease-store.directory: \"var/lib\" must be an absolute path" },
	{ D4(",'lease-store':{'directory':7}"), "Dhcp4.lease-store.directory: must be a string" },
	/* interfaces */
	{ "{'Dhcp4':{}}", "Dhcp4.interfaces-config: required key is missing" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[]}}}",
	  "Dhcp4.interfaces-config.interfaces: must have 1 to 64 entries" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':{}}}}",
	  "Dhcp4.interfaces-config.interfaces: must be an array" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[{'name':'port0','port':0,"
	  "'address':'10.77.0.1'}]}}}",
	  "Dhcp4.interfaces-config.interfaces[0].address: \"10.77.0.1\" is not an address with a "
	  "prefix length" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[{'name':'port0','port':0,"
	  "'address':'10.77.0.256/24'}]}}}",
	  "Dhcp4.interfaces-config.interfaces[0].address: " },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[{'name':'port0','port':0,"
	  "'address':'10.77.0.0/24'}]}}}",
	  "Dhcp4.interfaces-config.interfaces[0].address: 10.77.0.0/24 is the network or "
	  "broadcast" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[{'name':'port0','address':'10.77.0.1/"
	  "24'}]}}}",
	  "Dhcp4.interfaces-config.interfaces[0].port: required key is missing" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[{'name':'port0','port':65535,"
	  "'address':'10.77.0.1/24'}]}}}",
	  "Dhcp4.interfaces-config.interfaces[0].port: must be an integer between 0 and 65534" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[{'name':'port0','port':0,'address':"
	  "'10.77.0.1/24'},{'name':'port0','port':1,'address':'10.78.0.1/24'}]}}}",
	  "Dhcp4.interfaces-config.interfaces[1].name: same name as interfaces[0]" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[{'name':'port0','port':0,'address':"
	  "'10.77.0.1/24'},{'name':'port1','port':0,'address':'10.78.0.1/24'}]}}}",
	  "Dhcp4.interfaces-config.interfaces[1].port: same port as interfaces[0]" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[{'name':'a-very-long-interface-name-indeed'"
	  ","
	  "'port':0,'address':'10.77.0.1/24'}]}}}",
	  "Dhcp4.interfaces-config.interfaces[0].name: must be 1 to 31 characters long" },
	{ "{'Dhcp4':{'interfaces-config':{'interfaces':[{'name':'po\\u0000rt','port':0,"
	  "'address':'10.77.0.1/24'}]}}}",
	  "json: line 1 column " }, /* jansson refuses \u0000 without JSON_ALLOW_NUL */
	/* subnets */
	{ SUB2("{'subnet':'10.99.0.0/24','relay':{'ip-addresses':['10.99.0.1']}}"),
	  "Dhcp4.subnet4[1].id: required key is missing" },
	{ SUB2("{'id':0,'subnet':'10.99.0.0/24','relay':{'ip-addresses':['10.99.0.1']}}"),
	  "Dhcp4.subnet4[1].id: must be an integer between 1 and 4294967295" },
	{ SUB2("{'id':1,'subnet':'10.99.0.0/24','relay':{'ip-addresses':['10.99.0.1']}}"),
	  "Dhcp4.subnet4[1].id: 1 is already used by Dhcp4.subnet4[0]" },
	{ D4(",'subnet4':[{'id':1,'subnet':'10.77.0.0/33','interface':'port0'}]"),
	  "Dhcp4.subnet4[0].subnet: \"10.77.0.0/33\" is not a prefix" },
	{ D4(",'subnet4':[{'id':1,'subnet':'10.77.0.1/24','interface':'port0'}]"),
	  "Dhcp4.subnet4[0].subnet: 10.77.0.1/24 has host bits set" },
	{ D4(",'subnet4':[{'id':1,'subnet':'10.78.0.0/24','interface':'port0'}]"),
	  "Dhcp4.subnet4[0].subnet: 10.78.0.0/24 does not contain 10.77.0.1, the address of "
	  "interface port0" },
	{ D4(",'subnet4':[{'id':1,'subnet':'10.77.0.0/24','interface':'port9'}]"),
	  "Dhcp4.subnet4[0].interface: \"port9\" is not in Dhcp4.interfaces-config.interfaces" },
	{ D4(",'subnet4':[{'id':1,'subnet':'10.99.0.0/24'}]"),
	  "Dhcp4.subnet4[0]: needs \"interface\" or \"relay\"" },
	{ D4(",'subnet4':[{'id':1,'subnet':'10.99.0.0/24','relay':{'ip-addresses':[]}}]"),
	  "Dhcp4.subnet4[0]: needs \"interface\" or \"relay\"" },
	{ SUB(",'relay':{'ip-addresses':['10.88.0.1','10.88.0.300']}"),
	  "Dhcp4.subnet4[0].relay.ip-addresses[1]: \"10.88.0.300\" is not an IPv4 address" },
	{ SUB(",'relay':{'ip-addresses':['10.88.0.1','10.88.0.1']}"),
	  "Dhcp4.subnet4[0].relay.ip-addresses[1]: 10.88.0.1 is listed twice" },
	{ SUB(",'relay':{'ip-addresses':['10.88.0.1']}},{'id':2,'subnet':'10.99.0.0/24',"
	      "'relay':{'ip-addresses':['10.88.0.9','10.88.0.1']}"),
	  "Dhcp4.subnet4[1].relay.ip-addresses[1]: 10.88.0.1 is already a relay of "
	  "Dhcp4.subnet4[0]" },
	{ SUB2("{'id':2,'subnet':'10.77.0.128/25','relay':{'ip-addresses':['10.99.0.1']}}"),
	  "Dhcp4.subnet4[1].subnet: overlaps Dhcp4.subnet4[0].subnet 10.77.0.0/24" },
	/* pools */
	{ SUB(",'pools':[{'pool':'10.77.0.10 - 10.77.0.20'},{'pool':'10.77.1.5 - 10.77.1.9'}]"),
	  "Dhcp4.subnet4[0].pools[1].pool: 10.77.1.5 - 10.77.1.9 is outside subnet 10.77.0.0/24" },
	{ SUB(",'pools':[{'pool':'10.77.0.10 - 10.77.0.20'},{'pool':'10.77.1.0/28'}]"),
	  "Dhcp4.subnet4[0].pools[1].pool: 10.77.1.0 - 10.77.1.15 is outside subnet 10.77.0.0/24" },
	{ SUB(",'pools':[{'pool':'10.77.0.20 - 10.77.0.10'}]"),
	  "Dhcp4.subnet4[0].pools[0].pool: first address 10.77.0.20 is after last address "
	  "10.77.0.10" },
	{ SUB(",'pools':[{'pool':'10.77.0.x - 10.77.0.20'}]"),
	  "Dhcp4.subnet4[0].pools[0].pool: \"10.77.0.x - 10.77.0.20\" is not" },
	{ SUB(",'pools':[{'pool':'10.77.0.0 - 10.77.0.20'}]"),
	  "Dhcp4.subnet4[0].pools[0].pool: 10.77.0.0 - 10.77.0.20 contains the network address of "
	  "subnet 10.77.0.0/24" },
	{ SUB(",'pools':[{'pool':'10.77.0.248/29'}]"),
	  "Dhcp4.subnet4[0].pools[0].pool: 10.77.0.248 - 10.77.0.255 contains the broadcast "
	  "address" },
	{ SUB(",'pools':[{'pool':'10.77.0.1 - 10.77.0.20'}]"),
	  "Dhcp4.subnet4[0].pools[0].pool: 10.77.0.1 - 10.77.0.20 contains 10.77.0.1, the address "
	  "of "
	  "interface port0" },
	{ SUB(",'pools':[{'pool':'10.77.0.10 - 10.77.0.100'},{'pool':'10.77.0.50 - 10.77.0.60'}]"),
	  "Dhcp4.subnet4[0].pools[1].pool: 10.77.0.50 - 10.77.0.60 overlaps "
	  "Dhcp4.subnet4[0].pools[0]" },
	{ SUB(",'pools':[{'pool':'10.77.0.50 - 10.77.0.60'},{'pool':'10.77.0.10 - 10.77.0.50'}]"),
	  "Dhcp4.subnet4[0].pools[1].pool: 10.77.0.10 - 10.77.0.50 overlaps "
	  "Dhcp4.subnet4[0].pools[0]" },
	{ SUB(",'pools':[{}]"), "Dhcp4.subnet4[0].pools[0].pool: required key is missing" },
	/* reservations */
	{ RES("{'ip-address':'10.77.0.5'}"),
	  "Dhcp4.subnet4[0].reservations[0]: needs \"hw-address\" or \"client-id\"" },
	{ RES("{'hw-address':'aa:bb:cc:dd:ee:gg','ip-address':'10.77.0.5'}"),
	  "Dhcp4.subnet4[0].reservations[0].hw-address: \"aa:bb:cc:dd:ee:gg\" must be 1 to 16 "
	  "hex" },
	{ RES("{'hw-address':'00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10',"
	      "'ip-address':'10.77.0.5'}"),
	  "Dhcp4.subnet4[0].reservations[0].hw-address: " },
	{ RES("{'client-id':'01','ip-address':'10.77.0.5'}"),
	  "Dhcp4.subnet4[0].reservations[0].client-id: \"01\" must be 2 to 255 hex bytes" },
	{ RES("{'hw-address':'aa:bb:cc:dd:ee:ff','ip-address':'10.78.0.5'}"),
	  "Dhcp4.subnet4[0].reservations[0].ip-address: 10.78.0.5 is outside subnet 10.77.0.0/24" },
	{ RES("{'hw-address':'aa:bb:cc:dd:ee:ff','ip-address':'10.77.0.5x'}"),
	  "Dhcp4.subnet4[0].reservations[0].ip-address: \"10.77.0.5x\" is not an IPv4 address" },
	{ RES("{'hw-address':'aa:bb:cc:dd:ee:ff','ip-address':'10.77.0.5'},"
	      "{'hw-address':'aa:bb:cc:dd:ee:01','ip-address':'10.77.0.5'}"),
	  "Dhcp4.subnet4[0].reservations[1].ip-address: same address as reservations[0]" },
	{ RES("{'hw-address':'aa:bb:cc:dd:ee:ff','ip-address':'10.77.0.5'},"
	      "{'hw-address':'aa-bb-cc-dd-ee-ff','ip-address':'10.77.0.6'}"),
	  "Dhcp4.subnet4[0].reservations[1].hw-address: same hw-address as reservations[0]" },
	{ RES("{'hw-address':'aa:bb:cc:dd:ee:ff','ip-address':'10.77.0.5','hostname':'bad host'}"),
	  "Dhcp4.subnet4[0].reservations[0].hostname: \"bad host\" is not a valid host name" },
	/* options */
	{ GOPT("{'code':0,'data':'x'}"),
	  "Dhcp4.option-data[0].code: must be an integer between 1 and 254" },
	{ GOPT("{'code':255,'data':'x'}"),
	  "Dhcp4.option-data[0].code: must be an integer between 1 and 254" },
	{ GOPT("{'code':53,'data':'x'}"),
	  "Dhcp4.option-data[0].code: option 53 is managed by the server" },
	{ SOPT("{'name':'dhcp-lease-time','data':'60'}"),
	  "Dhcp4.subnet4[0].option-data[0].name: option 51 is managed by the server" },
	{ GOPT("{'name':'rooters','data':'10.77.0.1'}"),
	  "Dhcp4.option-data[0].name: unknown option name \"rooters\"" },
	{ GOPT("{'data':'10.77.0.1'}"), "Dhcp4.option-data[0]: needs \"name\" or \"code\"" },
	{ GOPT("{'name':'routers','code':6,'data':'10.77.0.1'}"),
	  "Dhcp4.option-data[0].code: 6 does not match option routers (code 3)" },
	{ SOPT("{'name':'routers','data':'10.77.0.1, 10.77.0.300'}"),
	  "Dhcp4.subnet4[0].option-data[0].data: \"10.77.0.300\" is not an IPv4 address" },
	{ SOPT("{'name':'routers','data':''}"),
	  "Dhcp4.subnet4[0].option-data[0].data: must not be empty for option routers" },
	{ GOPT("{'name':'routers','data':'10.77.0.1'},{'code':3,'data':'10.77.0.2'}"),
	  "Dhcp4.option-data[1]: option 3 is already set by entry [0]" },
	{ GOPT("{'code':224,'csv-format':false,'data':'0G'}"),
	  "Dhcp4.option-data[0].data: \"0G\" is not a hex string" },
	{ GOPT("{'code':224,'csv-format':'no','data':'00'}"),
	  "Dhcp4.option-data[0].csv-format: must be true or false" },
	{ GOPT("{'name':'classless-static-route','data':'10.0.0.1/8 - 10.77.0.1'}"),
	  "Dhcp4.option-data[0].data: \"10.0.0.1/8\" has host bits set" },
	{ GOPT("{'name':'classless-static-route','data':'10.0.0.0/8'}"),
	  "Dhcp4.option-data[0].data: \"10.0.0.0/8\" must be \"prefix/len - router\"" },
	{ GOPT("{'name':'domain-search','data':'lab..example'}"),
	  "Dhcp4.option-data[0].data: \"lab..example\": labels must be 1 to 63 characters" },
	{ GOPT("{'name':'domain-search','data':'lab.example,'}"),
	  "Dhcp4.option-data[0].data: empty domain name" },
	{ GOPT("{'name':'interface-mtu','data':'67'}"),
	  "Dhcp4.option-data[0].data: \"67\" must be an integer between 68 and 65535" },
	{ GOPT("{'name':'time-offset','data':'2147483648'}"),
	  "Dhcp4.option-data[0].data: \"2147483648\" must be a signed 32-bit integer" },
	{ GOPT("{'name':'subnet-mask','data':'255.255.255.0, 255.0.0.0'}"),
	  "Dhcp4.option-data[0].data: \"255.255.255.0, 255.0.0.0\" is not an IPv4 address" },
	/* timers (RFC 2131 sec 4.4.5) */
	{ D4(",'renew-timer':2000,'rebind-timer':1800"),
	  "Dhcp4.renew-timer: 2000 must be less than rebind-timer 1800" },
	{ D4(",'renew-timer':1800,'rebind-timer':1800"),
	  "Dhcp4.renew-timer: 1800 must be less than rebind-timer 1800" },
	{ D4(",'rebind-timer':4000"),
	  "Dhcp4.rebind-timer: 4000 must be less than valid-lifetime 3600" },
	{ D4(",'renew-timer':3500"),
	  "Dhcp4.renew-timer: 3500 must be less than rebind-timer 3150 (87.5% of valid-lifetime)" },
	{ D4(",'renew-timer':900,'rebind-timer':1800,'subnet4':[{'id':1,'subnet':'10.77.0.0/24',"
	     "'interface':'port0','valid-lifetime':600}]"),
	  "Dhcp4.subnet4[0].rebind-timer: 1800 (from Dhcp4) must be less than valid-lifetime 600" },
	{ SUB(",'renew-timer':300,'rebind-timer':200"),
	  "Dhcp4.subnet4[0].renew-timer: 300 must be less than rebind-timer 200" },
	/* requested lease times (option 51) and Kea's T1/T2 shares */
	{ D4(",'min-valid-lifetime':59"),
	  "Dhcp4.min-valid-lifetime: must be an integer between 60 and 4294967294" },
	{ D4(",'max-valid-lifetime':4294967295"),
	  "Dhcp4.max-valid-lifetime: must be an integer between 60 and 4294967294" },
	{ D4(",'min-valid-lifetime':7200"),
	  "Dhcp4.min-valid-lifetime: 7200 must not be more than valid-lifetime 3600" },
	{ D4(",'max-valid-lifetime':600"),
	  "Dhcp4.max-valid-lifetime: 600 must not be less than valid-lifetime 3600" },
	{ SUB(",'valid-lifetime':600,'min-valid-lifetime':700"),
	  "Dhcp4.subnet4[0].min-valid-lifetime: 700 must not be more than valid-lifetime 600" },
	{ SUB(",'max-valid-lifetime':1000"),
	  "Dhcp4.subnet4[0].max-valid-lifetime: 1000 must not be less than valid-lifetime 3600 "
	  "(from Dhcp4)" },
	{ D4(",'calculate-tee-times':1"), "Dhcp4.calculate-tee-times: must be true or false" },
	{ D4(",'t1-percent':0"),
	  "Dhcp4.t1-percent: must be a number between 0.000001 and 0.999999" },
	{ D4(",'t2-percent':1"),
	  "Dhcp4.t2-percent: must be a number between 0.000001 and 0.999999" },
	{ D4(",'t1-percent':-0.5"),
	  "Dhcp4.t1-percent: must be a number between 0.000001 and 0.999999" },
	{ D4(",'t2-percent':'0.5'"),
	  "Dhcp4.t2-percent: must be a number between 0.000001 and 0.999999" },
	{ D4(",'t1-percent':0.9"), "Dhcp4.t1-percent: 0.9 must be less than t2-percent 0.875" },
	{ D4(",'t1-percent':0.6,'t2-percent':0.6"),
	  "Dhcp4.t1-percent: 0.6 must be less than t2-percent 0.6" },
	{ SUB(",'t2-percent':0.4"),
	  "Dhcp4.subnet4[0].t1-percent: 0.5 (from Dhcp4) must be less than t2-percent 0.4" },
	{ D4(",'valid-lifetime':60,'calculate-tee-times':true,'t2-percent':0.999999"),
	  "Dhcp4.rebind-timer: 60 (t2-percent of valid-lifetime) must be less than "
	  "valid-lifetime 60" },
	/* ddns */
	{ DDNS(DDNS_KEY, DDNS_ZONE("example.test", "other"), ""),
	  "Dhcp4.ddns.forward-ddns.ddns-domains[0].key-name: \"other\" is not in tsig-keys" },
	{ DDNS(DDNS_KEY, "{'name':'example.test','dns-servers':[{'ip-address':'127.0.0.1'}]}", ""),
	  "Dhcp4.ddns.forward-ddns.ddns-domains[0].key-name: required key is missing" },
	{ DDNS(DDNS_KEY, "{'name':'example.test','key-name':'ddns-key','dns-servers':[]}", ""),
	  "Dhcp4.ddns.forward-ddns.ddns-domains[0]: dns-servers: needs at least one server" },
	{ DDNS(DDNS_KEY, DDNS_ZONE("a..test", "ddns-key"), ""),
	  "Dhcp4.ddns.forward-ddns.ddns-domains[0].name: \"a..test\" has an empty label" },
	{ DDNS(DDNS_KEY, DDNS_ZONE("a.test", "ddns-key") "," DDNS_ZONE("A.test.", "ddns-key"), ""),
	  "Dhcp4.ddns.forward-ddns.ddns-domains[1]: zone \"a.test.\" is already entry [0]" },
	{ DDNS("{'name':'ddns-key','secret':'c2hvcnQ='}", DDNS_ZONE("t", "ddns-key"), ""),
	  "Dhcp4.ddns.tsig-keys[0]: the secret has 5 bytes; TSIG needs at least 16" },
	{ DDNS("{'name':'ddns-key','secret':'not base64!'}", DDNS_ZONE("t", "ddns-key"), ""),
	  "Dhcp4.ddns.tsig-keys[0]: the secret is not base64" },
	{ DDNS("{'name':'ddns-key'}", DDNS_ZONE("t", "ddns-key"), ""),
	  "Dhcp4.ddns.tsig-keys[0]: needs secret or secret-file" },
	{ DDNS("{'name':'ddns-key','secret-file':'/nonexistent/key'}", DDNS_ZONE("t", "ddns-key"),
	       ""),
	  "Dhcp4.ddns.tsig-keys[0]: secret-file /nonexistent/key: No such file or directory" },
	{ DDNS("{'name':'k','algorithm':'hmac-sha384','secret':'" DDNS_SECRET "'}",
	       DDNS_ZONE("t", "k"), ""),
	  "Dhcp4.ddns.tsig-keys[0].algorithm: \"hmac-sha384\" is not one of" },
	{ DDNS(DDNS_KEY "," DDNS_KEY, DDNS_ZONE("t", "ddns-key"), ""),
	  "Dhcp4.ddns.tsig-keys[1]: key \"ddns-key.\" is already entry [0]" },
	{ DDNS(DDNS_KEY, DDNS_ZONE("t", "ddns-key"), ",'retry-min':5000,'retry-max':1000"),
	  "Dhcp4.ddns.retry-min: 5000 ms is above retry-max (1000 ms)" },
	{ D4(",'ddns':{}"), "Dhcp4.ddns: enable-updates is true but neither forward-ddns nor" },
	{ D4(",'ddns-qualifying-suffix':'exa mple.test'"),
	  "Dhcp4.ddns-qualifying-suffix: \"exa mple.test\": ' ' is not a letter" },
	{ D4(",'ddns-generated-prefix':'a.b'"),
	  "Dhcp4.ddns-generated-prefix: \"a.b\" must be one label, without dots" },
	{ D4(",'hostname-char-set':'[^a-z]'"),
	  "Dhcp4.hostname-char-set: only \"[^A-Za-z0-9.-]\" (Kea's default) is supported" },
	{ SUB(",'hostname-char-replacement':'_'"),
	  "Dhcp4.subnet4[0].hostname-char-replacement: \"_\" may hold only letters" },
	{ SUB(",'ddns-replace-client-name':'sometimes'"),
	  "Dhcp4.subnet4[0].ddns-replace-client-name: " },
	/* failover */
	{ D4(",'failover':5"), "Dhcp4.failover: must be an object" },
	{ D4(",'failover':{}"), "Dhcp4.failover.peer-name: required key is missing" },
	{ FO_MIN(",'bogus':1"), "Dhcp4.failover.bogus: unknown key" },
	{ D4(",'failover':{'peer-name':'fo','address':'10.0.0.1','peer-address':'10.0.0.2'}"),
	  "Dhcp4.failover.role: required key is missing" },
	{ D4(",'failover':{'peer-name':'fo','role':'primary','peer-address':'10.0.0.2'}"),
	  "Dhcp4.failover.address: required key is missing" },
	{ D4(",'failover':{'peer-name':'fo','role':'primary','address':'10.0.0.1'}"),
	  "Dhcp4.failover.peer-address: required key is missing" },
	{ FO("'peer-name':'','role':'primary'", ""),
	  "Dhcp4.failover.peer-name: must be 1 to 63 characters long" },
	{ FO("'peer-name':'" LONG64 "','role':'primary'", ""),
	  "Dhcp4.failover.peer-name: must be 1 to 63 characters long" },
	{ FO("'peer-name':'fo\\tx','role':'primary'", ""),
	  "Dhcp4.failover.peer-name: \"fo\tx\" may only contain printable ASCII" },
	{ FO("'peer-name':7,'role':'primary'", ""), "Dhcp4.failover.peer-name: must be a string" },
	{ FO("'peer-name':'fo','role':'backup'", ""),
	  "Dhcp4.failover.role: \"backup\" is not one of primary, secondary" },
	{ FO("'peer-name':'fo','role':''", ""),
	  "Dhcp4.failover.role: \"\" is not one of primary, secondary" },
	{ FO("'peer-name':'fo','role':'Primary'", ""),
	  "Dhcp4.failover.role: \"Primary\" is not one of primary, secondary" },
	{ FO("'peer-name':'fo','role':1", ""), "Dhcp4.failover.role: must be a string" },
	{ D4(",'failover':{'peer-name':'fo','role':'primary','address':'10.0.0.256',"
	     "'peer-address':'10.0.0.2'}"),
	  "Dhcp4.failover.address: \"10.0.0.256\" is not an IPv4 address" },
	{ D4(",'failover':{'peer-name':'fo','role':'primary','address':'10.0.0.1/24',"
	     "'peer-address':'10.0.0.2'}"),
	  "Dhcp4.failover.address: \"10.0.0.1/24\" is not an IPv4 address" },
	{ D4(",'failover':{'peer-name':'fo','role':'primary','address':'10.0.0.1',"
	     "'peer-address':'fe80::1'}"),
	  "Dhcp4.failover.peer-address: \"fe80::1\" is not an IPv4 address" },
	{ D4(",'failover':{'peer-name':'fo','role':'primary','address':'0.0.0.0',"
	     "'peer-address':'10.0.0.2'}"),
	  "Dhcp4.failover.address: 0.0.0.0 is not a unicast address" },
	{ D4(",'failover':{'peer-name':'fo','role':'primary','address':'10.0.0.1',"
	     "'peer-address':'224.0.0.1'}"),
	  "Dhcp4.failover.peer-address: 224.0.0.1 is not a unicast address" },
	{ D4(",'failover':{'peer-name':'fo','role':'primary','address':'10.0.0.1',"
	     "'peer-address':'10.0.0.1'}"),
	  "Dhcp4.failover.peer-address: 10.0.0.1 port 647 is this server's own address and port" },
	{ D4(",'failover':{'peer-name':'fo','role':'primary','address':'10.0.0.1','port':700,"
	     "'peer-address':'10.0.0.1','peer-port':700}"),
	  "Dhcp4.failover.peer-address: 10.0.0.1 port 700 is this server's own address and port" },
	{ FO_MIN(",'port':0"), "Dhcp4.failover.port: must be an integer between 1 and 65535" },
	{ FO_MIN(",'peer-port':65536"),
	  "Dhcp4.failover.peer-port: must be an integer between 1 and 65535" },
	{ FO_MIN(",'mclt':0"), "Dhcp4.failover.mclt: must be an integer between 1 and 2592000" },
	{ FO_MIN(",'mclt':2592001"),
	  "Dhcp4.failover.mclt: must be an integer between 1 and 2592000" },
	{ FO_MIN(",'split':257"), "Dhcp4.failover.split: must be an integer between 0 and 256" },
	{ FO_MIN(",'split':-1"), "Dhcp4.failover.split: must be an integer between 0 and 256" },
	{ FO_MIN(",'split':128,'hba':'" HBA_HALF "'"),
	  "Dhcp4.failover.hba: give split or hba, not both" },
	{ FO_MIN(",'hba':'ff:ff'"),
	  "Dhcp4.failover.hba: \"ff:ff\" must be 32 hex bytes separated by ':'" },
	{ FO_MIN(",'hba':'" HBA_HALF ":00'"), "Dhcp4.failover.hba: " },
	{ FO_MIN(",'hba':'" HBA_HALF_BAD "'"), "Dhcp4.failover.hba: " },
	{ FO_MIN(",'hba':32"), "Dhcp4.failover.hba: must be a string" },
	{ FO_MIN(",'hba':'ffffffffffffffffffffffffffffffff00000000000000000000000000000000'"),
	  "Dhcp4.failover.hba: "
	  "\"ffffffffffffffffffffffffffffffff00000000000000000000000000000000\" "
	  "must be 32 hex bytes separated by ':'" },
	{ FO("'peer-name':'fo','role':'secondary'", ",'split':128"),
	  "Dhcp4.failover.split: a secondary takes its buckets from the primary's CONNECT" },
	{ FO("'peer-name':'fo','role':'secondary'", ",'split':0"),
	  "Dhcp4.failover.split: a secondary takes its buckets from the primary's CONNECT" },
	{ FO("'peer-name':'fo','role':'secondary'", ",'hba':'" HBA_HALF "'"),
	  "Dhcp4.failover.hba: a secondary takes its buckets from the primary's CONNECT" },
	{ FO_MIN(",'load-balance-max-seconds':65536"),
	  "Dhcp4.failover.load-balance-max-seconds: must be an integer between 0 and 65535" },
	{ FO_MIN(",'max-response-delay':0"),
	  "Dhcp4.failover.max-response-delay: must be an integer between 1 and 3600" },
	{ FO_MIN(",'max-response-delay':3601"),
	  "Dhcp4.failover.max-response-delay: must be an integer between 1 and 3600" },
	{ FO_MIN(",'max-unacked-updates':0"),
	  "Dhcp4.failover.max-unacked-updates: must be an integer between 1 and 1000" },
	{ FO_MIN(",'max-unacked-updates':1001"),
	  "Dhcp4.failover.max-unacked-updates: must be an integer between 1 and 1000" },
	{ FO_MIN(",'auto-partner-down':-1"),
	  "Dhcp4.failover.auto-partner-down: must be an integer between 0 and 2592000" },
	{ FO_MIN(",'startup-time':3601"),
	  "Dhcp4.failover.startup-time: must be an integer between 0 and 3600" },
	{ FO_MIN(",'startup-time':1.5"),
	  "Dhcp4.failover.startup-time: must be an integer between 0 and 3600" },
	{ FO_MIN(",'hba-polarity':'ms'"),
	  "Dhcp4.failover.hba-polarity: \"ms\" is not one of isc, draft" },
	/* JSON itself */
	{ "{\n 'Dhcp4': {\n  'valid-lifetime': 10,\n }\n}", "json: line 4 column" },
	{ "{'Dhcp4':{}, 'Dhcp4':{}}", "json: line 1 column" },
	{ "{'Dhcp4': "
	  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	  "json: line 1 column 42: nesting deeper than 32 levels" },
	{ "", "json: line 1 column" },
};

START_TEST(test_errors)
{
	char err[CFG_ERR_LEN];
	const char *want = error_cases[_i].want;
	struct lw_config *cfg;

	memset(err, 0x5a, sizeof(err));
	cfg = load(error_cases[_i].json, err);
	ck_assert_msg(!cfg, "case %d loaded, expected \"%s\"", _i, want);
	ck_assert_ptr_nonnull(memchr(err, '\0', sizeof(err)));
	ck_assert_msg(!strncmp(err, want, strlen(want)), "case %d:\n  got  \"%s\"\n  want \"%s\"",
		      _i, err, want);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* The per-client rate limit: set, and 0 turns it off. */
START_TEST(test_rate_limit)
{
	char err[CFG_ERR_LEN];
	struct lw_config *cfg =
	    load(D4(",'rate-limit':{'client-packets-per-sec':10,'client-burst':20}"), err);

	ck_assert_msg(cfg, "%s", err);
	ck_assert_uint_eq(cfg->rate_limit.client_pps, 10);
	ck_assert_uint_eq(cfg->rate_limit.client_burst, 20);
	config_free(cfg);
	cfg = load(D4(",'rate-limit':{'client-packets-per-sec':0}"), err);
	ck_assert_msg(cfg, "%s", err);
	ck_assert_uint_eq(cfg->rate_limit.client_pps, 0);
	ck_assert_uint_eq(cfg->rate_limit.client_burst, 100);
	config_free(cfg);
}
END_TEST

/* DNS updates: the section's keys resolved, and subnets inheriting the ddns-* policy. */
START_TEST(test_ddns)
{
	char err[CFG_ERR_LEN];
	struct lw_config *cfg = load(
	    D4(",'ddns-qualifying-suffix':'Example.TEST.','ddns-override-client-update':true,"
	       "'ddns-ttl-percent':0.25,"
	       "'ddns':{'dns-server-timeout':200,'max-in-flight':64,"
	       "'tsig-keys':[{'name':'Other','algorithm':'HMAC-SHA512','secret':'" DDNS_SECRET
	       "'}," DDNS_KEY "],"
	       "'forward-ddns':{'ddns-domains':[" DDNS_ZONE(
		   "example.test",
		   "ddns-key") "]},"
			       "'reverse-ddns':{'ddns-domains':[{'name':'2.0.192.in-addr.arpa.','"
			       "key-name':"
			       "'other','dns-servers':[{'ip-address':'127.0.0.1','port':10053},"
			       "{'ip-address':'127.0.0.2'}]}]}},"
			       "'subnet4':[{'id':1,'subnet':'10.77.0.0/24','interface':'port0'},"
			       "{'id':2,'subnet':'10.78.0.0/"
			       "24','relay':{'ip-addresses':['10.78.0.1']},'ddns-send-updates':"
			       "false,"
			       "'ddns-qualifying-suffix':'b.test','ddns-replace-client-name':'"
			       "always'}]"),
	    err);

	ck_assert_msg(cfg, "%s", err);
	const struct cfg_ddns *d = &cfg->ddns;
	ck_assert(d->enabled);
	ck_assert_uint_eq(d->server_timeout_ms, 200);
	ck_assert_uint_eq(d->tries_per_server, 3);
	ck_assert_uint_eq(d->max_in_flight, 64);
	ck_assert_uint_eq(d->n_keys, 2);
	ck_assert_str_eq(d->keys[0].name, "other.");
	ck_assert_str_eq(d->keys[0].algorithm, "hmac-sha512.");
	ck_assert_str_eq(d->keys[1].algorithm, "hmac-sha256.");
	ck_assert_str_eq(d->keys[1].secret_b64, DDNS_SECRET);
	ck_assert_uint_eq(d->n_forward, 1);
	ck_assert_str_eq(d->forward[0].name, "example.test.");
	ck_assert_int_eq(d->forward[0].key, 1);
	ck_assert_uint_eq(d->forward[0].servers[0].port, 53);
	ck_assert_uint_eq(d->n_reverse, 1);
	ck_assert_int_eq(d->reverse[0].key, 0);
	ck_assert_uint_eq(d->reverse[0].n_servers, 2);
	ck_assert_uint_eq(d->reverse[0].servers[0].port, 10053);
	ck_assert_uint_eq(d->reverse[0].servers[1].ip, IP(127, 0, 0, 2));

	const struct cfg_ddns_policy *g = &cfg->ddns_policy, *s1 = &cfg->subnets[0].ddns,
				     *s2 = &cfg->subnets[1].ddns;
	ck_assert_str_eq(g->qualifying_suffix, "example.test");
	ck_assert_str_eq(s1->qualifying_suffix, "example.test");
	ck_assert(s1->send_updates && s1->override_client_update);
	ck_assert_uint_eq(s1->ttl_ppm, 250000);
	ck_assert_uint_eq(s1->ttl_min, 600);
	ck_assert_str_eq(s1->generated_prefix, "myhost");
	ck_assert_uint_eq(s1->replace_client_name, CFG_DDNS_REPLACE_NEVER);
	ck_assert(!s2->send_updates && s2->override_client_update);
	ck_assert_str_eq(s2->qualifying_suffix, "b.test");
	ck_assert_uint_eq(s2->replace_client_name, CFG_DDNS_REPLACE_ALWAYS);
	config_free(cfg);

	/* no section: off, and the policy defaults hold */
	cfg = load(D4(""), err);
	ck_assert_msg(cfg, "%s", err);
	ck_assert(!cfg->ddns.enabled);
	ck_assert(cfg->ddns_policy.send_updates);
	config_free(cfg);

	/* a secret from a file, trailing newline dropped */
	char path[] = "/tmp/lw-test-secret.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, DDNS_SECRET "\n", sizeof(DDNS_SECRET)),
			 (int)sizeof(DDNS_SECRET));
	close(fd);
	char json[1024];
	snprintf(
	    json, sizeof(json),
	    DDNS("{'name':'k','secret-file':'%s'}", DDNS_ZONE("t", "k"), ",'enable-updates':false"),
	    path);
	cfg = load(json, err);
	unlink(path);
	ck_assert_msg(cfg, "%s", err);
	ck_assert(!cfg->ddns.enabled);
	ck_assert_str_eq(cfg->ddns.keys[0].secret_b64, DDNS_SECRET);
	config_free(cfg);
}
END_TEST

/* Every failover key set, on a primary with split and on one with hba. */
START_TEST(test_failover_full)
{
	char err[CFG_ERR_LEN];
	struct lw_config *cfg = load(
	    D4(",'failover':{'peer-name':'fo-research','role':'primary','address':'192.0.2.1',"
	       "'port':847,'peer-address':'192.0.2.2','peer-port':848,'mclt':300,'split':100,"
	       "'load-balance-max-seconds':5,'max-response-delay':30,'max-unacked-updates':100,"
	       "'auto-partner-down':7200,'startup-time':0,'hba-polarity':'draft'}"),
	    err);

	ck_assert_msg(cfg, "%s", err);
	const struct cfg_failover *fo = &cfg->failover;
	ck_assert(fo->enabled);
	ck_assert_str_eq(fo->name, "fo-research");
	ck_assert_uint_eq(fo->role, CFG_FO_ROLE_PRIMARY);
	ck_assert_uint_eq(fo->address, IP(192, 0, 2, 1));
	ck_assert_uint_eq(fo->port, 847);
	ck_assert_uint_eq(fo->peer_address, IP(192, 0, 2, 2));
	ck_assert_uint_eq(fo->peer_port, 848);
	ck_assert_uint_eq(fo->mclt, 300);
	ck_assert_uint_eq(fo->split, 100);
	ck_assert(!fo->hba_set);
	/* split 100: buckets 0..99 are the primary's, LSB of octet 0 first. */
	uint8_t want[32] = { 0 };
	memset(want, 0xff, 12);
	want[12] = 0x0f;
	ck_assert_mem_eq(fo->hba, want, sizeof(want));
	ck_assert_uint_eq(fo->lb_max_secs, 5);
	ck_assert_uint_eq(fo->max_response_delay, 30);
	ck_assert_uint_eq(fo->max_unacked_updates, 100);
	ck_assert_uint_eq(fo->auto_partner_down, 7200);
	ck_assert_uint_eq(fo->startup_secs, 0);
	ck_assert_uint_eq(fo->hba_polarity, CFG_FO_HBA_DRAFT);
	config_free(cfg);

	/* hba instead of split; names and numbers at the edges of their ranges. */
	cfg = load(D4(",'failover':{'peer-name':'" NAME63 "','role':'primary',"
		      "'address':'10.0.0.1','port':65535,'peer-address':'10.0.0.1','peer-port':1,"
		      "'hba':'01:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
		      "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:80','mclt':2592000,"
		      "'load-balance-max-seconds':0,'max-response-delay':3600,"
		      "'max-unacked-updates':1,'auto-partner-down':2592000,'startup-time':3600,"
		      "'hba-polarity':'isc'}"),
		   err);
	ck_assert_msg(cfg, "%s", err);
	fo = &cfg->failover;
	ck_assert(fo->enabled);
	ck_assert_str_eq(fo->name, NAME63);
	ck_assert_uint_eq(fo->port, 65535);
	ck_assert_uint_eq(fo->peer_port, 1);
	ck_assert(fo->hba_set);
	ck_assert_uint_eq(fo->split, 0);
	memset(want, 0, sizeof(want));
	want[0] = 0x01; /* bucket 0 */
	want[31] = 0x80; /* bucket 255 */
	ck_assert_mem_eq(fo->hba, want, sizeof(want));
	ck_assert_uint_eq(fo->mclt, 2592000);
	ck_assert_uint_eq(fo->lb_max_secs, 0);
	ck_assert_uint_eq(fo->max_response_delay, 3600);
	ck_assert_uint_eq(fo->max_unacked_updates, 1);
	ck_assert_uint_eq(fo->auto_partner_down, 2592000);
	ck_assert_uint_eq(fo->startup_secs, 3600);
	ck_assert_uint_eq(fo->hba_polarity, CFG_FO_HBA_ISC);
	config_free(cfg);
}
END_TEST

/* Only the required keys: the rest default; absent, failover is off and all zero. */
START_TEST(test_failover_defaults)
{
	static const struct cfg_failover zero;
	char err[CFG_ERR_LEN];
	struct lw_config *cfg = load(FO_MIN(""), err);

	ck_assert_msg(cfg, "%s", err);
	const struct cfg_failover *fo = &cfg->failover;
	ck_assert(fo->enabled);
	ck_assert_str_eq(fo->name, "fo");
	ck_assert_uint_eq(fo->role, CFG_FO_ROLE_PRIMARY);
	ck_assert_uint_eq(fo->address, IP(10, 0, 0, 1));
	ck_assert_uint_eq(fo->port, 647);
	ck_assert_uint_eq(fo->peer_address, IP(10, 0, 0, 2));
	ck_assert_uint_eq(fo->peer_port, 647);
	ck_assert_uint_eq(fo->mclt, 3600);
	ck_assert_uint_eq(fo->split, 128);
	ck_assert(!fo->hba_set);
	/* ISC's split 128 CONNECT map: ff x 16, 00 x 16 (failover.md sec 11.2). */
	uint8_t want[32] = { 0 };
	memset(want, 0xff, 16);
	ck_assert_mem_eq(fo->hba, want, sizeof(want));
	ck_assert_uint_eq(fo->lb_max_secs, 3);
	ck_assert_uint_eq(fo->max_response_delay, 20);
	ck_assert_uint_eq(fo->max_unacked_updates, 10);
	ck_assert_uint_eq(fo->auto_partner_down, 0);
	ck_assert_uint_eq(fo->startup_secs, 15);
	ck_assert_uint_eq(fo->hba_polarity, CFG_FO_HBA_ISC);
	config_free(cfg);

	/* split 0 and 256: all buckets the secondary's, all the primary's. */
	cfg = load(FO_MIN(",'split':0"), err);
	ck_assert_msg(cfg, "%s", err);
	memset(want, 0, sizeof(want));
	ck_assert_mem_eq(cfg->failover.hba, want, sizeof(want));
	config_free(cfg);
	cfg = load(FO_MIN(",'split':256"), err);
	ck_assert_msg(cfg, "%s", err);
	memset(want, 0xff, sizeof(want));
	ck_assert_mem_eq(cfg->failover.hba, want, sizeof(want));
	config_free(cfg);

	/* A secondary: same address, other port (two servers on one host); no buckets. */
	cfg = load(D4(",'failover':{'peer-name':'fo','role':'secondary','address':'10.0.0.1',"
		      "'peer-address':'10.0.0.1','peer-port':648,'mclt':60}"),
		   err);
	ck_assert_msg(cfg, "%s", err);
	fo = &cfg->failover;
	ck_assert(fo->enabled);
	ck_assert_uint_eq(fo->role, CFG_FO_ROLE_SECONDARY);
	ck_assert_uint_eq(fo->peer_port, 648);
	ck_assert_uint_eq(fo->mclt, 60);
	ck_assert_uint_eq(fo->split, 0);
	ck_assert(!fo->hba_set);
	memset(want, 0, sizeof(want));
	ck_assert_mem_eq(fo->hba, want, sizeof(want));
	config_free(cfg);

	/* No section: standalone, nothing defaulted. */
	cfg = load(D4(""), err);
	ck_assert_msg(cfg, "%s", err);
	ck_assert(!cfg->failover.enabled);
	ck_assert_mem_eq(&cfg->failover, &zero, sizeof(zero));
	config_free(cfg);
	cfg = config_load_string(config_default_json, err);
	ck_assert_msg(cfg, "%s", err);
	ck_assert(!cfg->failover.enabled);
	config_free(cfg);
}
END_TEST

START_TEST(test_option_too_long)
{
	/* 300 addresses = 1200 bytes > CFG_MAX_OPTION_LEN. */
	size_t cap = 300 * 16 + 512;
	char *doc = malloc(cap), err[CFG_ERR_LEN];
	size_t n;

	ck_assert_ptr_nonnull(doc);
	n = (size_t)snprintf(doc, cap,
			     "{'Dhcp4':{" IFACES ",'option-data':[{'name':'ntp-servers',"
			     "'data':'");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(doc + n, cap - n, "%s10.0.%d.%d", i ? "," : "", i / 256,
				      i % 256);
	snprintf(doc + n, cap - n, "'}]}}");
	ck_assert_ptr_null(load(doc, err));
	ck_assert_str_eq(err, "Dhcp4.option-data[0].data: encoded value is longer than 1024 bytes");
	free(doc);
}
END_TEST

/* ------------------------------------------------------------------------ */

START_TEST(test_load_file)
{
	char path[] = "/tmp/test_config_XXXXXX", err[CFG_ERR_LEN];
	struct lw_config *cfg;
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(config_default_json, f);
	fclose(f);
	cfg = config_load_file(path, err);
	ck_assert_msg(cfg, "%s", err);
	ck_assert_uint_eq(cfg->subnets[0].id, 1);
	config_free(cfg);

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\n\"Dhcp4\": ]\n}\n", f);
	fclose(f);
	ck_assert_ptr_null(config_load_file(path, err));
	char want[64];
	snprintf(want, sizeof(want), "%s: line 2 column", path);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "got \"%s\"", err);
	unlink(path);

	ck_assert_ptr_null(config_load_file(path, err));
	ck_assert_int_eq(errno, ENOENT);
	snprintf(want, sizeof(want), "%s: ", path);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "got \"%s\"", err);
}
END_TEST

START_TEST(test_free_null) { config_free(NULL); }
END_TEST

/* ------------------------------------------------------------------------ */
/* docs/config-reference.md is exactly what the schema prints.              */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	if (buf && fread(buf, 1, *len, f) != *len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The committed reference, in the source tree meson compiled in. */
static char *docs_path(void)
{
	char *out = malloc(PATH_MAX);

	ck_assert_ptr_nonnull(out);
	snprintf(out, PATH_MAX, "%s/docs/config-reference.md", LW_SOURCE_ROOT);
	return out;
}

START_TEST(test_docs_match_schema)
{
	char *path = docs_path(), *want, *got = NULL;
	size_t want_len = 0, got_len = 0;
	FILE *mem = open_memstream(&got, &got_len);

	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(config_schema_markdown(mem), 0);
	fclose(mem);
	want = read_all(path, &want_len);
	if (!want || want_len != got_len || memcmp(want, got, got_len)) {
		FILE *f = fopen("config-reference.md.new", "w");
		if (f) {
			fwrite(got, 1, got_len, f);
			fclose(f);
		}
		ck_abort_msg("%s is out of date: copy config-reference.md.new from the test's "
			     "working directory over it",
			     path);
	}
	free(want);
	free(got);
	free(path);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, test_default_config);
	tcase_add_test(tc, test_full_example);
	tcase_add_test(tc, test_derived_timers);
	tcase_add_test(tc, test_lease_time_bounds);
	tcase_add_test(tc, test_option_too_long);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_free_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_errors, 0, sizeof(error_cases) / sizeof(error_cases[0]));
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_ddns);
	tcase_add_test(tc, test_failover_full);
	tcase_add_test(tc, test_failover_defaults);
	suite_add_tcase(s, tc);

	tc = tcase_create("docs");
	tcase_add_test(tc, test_docs_match_schema);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
