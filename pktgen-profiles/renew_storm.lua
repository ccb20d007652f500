-- SPDX-License-Identifier: BSD-3-Clause
--
-- leasewire pktgen-dpdk profile: RENEWING REQUESTs (ciaddr set, unicast) from the 1,024 clients of dora.pcap.
-- Replay dora.lua first so that the leases exist; expect one ACK per REQUEST
-- (NAKs when the leases are missing).
--
--   pktgen -l 0-2 -n 4 -a <VF PCI> -- -P -m "[1:2].0" -s 0:pktgen-profiles/renew_storm.pcap \
--          -f pktgen-profiles/renew_storm.lua
-- LW_PORT, LW_RATE (% of line rate), LW_SECS: see lw_common.lua.
package.path = package.path .. ";pktgen-profiles/?.lua;"
local lw = require "lw_common"

lw.replay("renew_storm", lw.env("LW_PORT", "0"), tonumber(lw.env("LW_RATE", "1")),
          tonumber(lw.env("LW_SECS", "10")))
