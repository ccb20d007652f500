/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lab default: port0 as 10.77.0.1/24 serving 10.77.0.0/24. Used when no
 * config file is given, and loaded by test_config so it cannot rot.
 */
#include "config/config.h"

const char config_default_json[] =
    "{\n"
    "  \"Dhcp4\": {\n"
    "    \"interfaces-config\": {\n"
    "      \"interfaces\": [ { \"name\": \"port0\", \"port\": 0, \"address\": \"10.77.0.1/24\" } "
    "]\n"
    "    },\n"
    "    \"valid-lifetime\": 3600,\n"
    "    \"renew-timer\": 900,\n"
    "    \"rebind-timer\": 1800,\n"
    "    \"authoritative\": true,\n"
    "    \"lease-store\": { \"directory\": \"/var/lib/leasewire/lab\" },\n"
    "    \"subnet4\": [ {\n"
    "      \"id\": 1,\n"
    "      \"subnet\": \"10.77.0.0/24\",\n"
    "      \"interface\": \"port0\",\n"
    "      \"pools\": [ { \"pool\": \"10.77.0.10 - 10.77.0.250\" } ],\n"
    "      \"option-data\": [\n"
    "        { \"name\": \"routers\", \"data\": \"10.77.0.1\" },\n"
    "        { \"name\": \"domain-name-servers\", \"data\": \"10.77.0.1\" },\n"
    "        { \"name\": \"domain-name\", \"data\": \"lab.leasewire.test\" }\n"
    "      ]\n"
    "    } ]\n"
    "  }\n"
    "}\n";
