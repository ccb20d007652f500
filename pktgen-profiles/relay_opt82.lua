-- SPDX-License-Identifier: BSD-3-Clause
--
-- leasewire pktgen-dpdk profile: relayed DISCOVERs with option 82 (circuit-id, remote-id), giaddr 10.77.0.2,
-- unicast to the server's port 67. Expect one OFFER per DISCOVER, sent to
-- giaddr:67; the subnet is chosen by giaddr (or relay.ip-addresses).
--
--   pktgen -l 0-2 -n 4 -a <VF PCI> -- -P -m "[1:2].0" -s 0:pktgen-profiles/relay_opt82.pcap \
--          -f pktgen-profiles/relay_opt82.lua
-- LW_PORT, LW_RATE (% of line rate), LW_SECS: see lw_common.lua.
package.path = package.path .. ";pktgen-profiles/?.lua;"
local lw = require "lw_common"

lw.replay("relay_opt82", lw.env("LW_PORT", "0"), tonumber(lw.env("LW_RATE", "1")),
          tonumber(lw.env("LW_SECS", "10")))
