-- SPDX-License-Identifier: BSD-3-Clause
--
-- leasewire pktgen-dpdk profile: DISCOVER storm: 4,096 distinct MACs broadcasting DISCOVERs; every one needs
-- an allocation (first pass) or a re-offer (later passes). Expect one OFFER per
-- DISCOVER.
--
--   pktgen -l 0-2 -n 4 -a <VF PCI> -- -P -m "[1:2].0" -s 0:pktgen-profiles/discover_storm.pcap \
--          -f pktgen-profiles/discover_storm.lua
-- LW_PORT, LW_RATE (% of line rate), LW_SECS: see lw_common.lua.
package.path = package.path .. ";pktgen-profiles/?.lua;"
local lw = require "lw_common"

lw.replay("discover_storm", lw.env("LW_PORT", "0"), tonumber(lw.env("LW_RATE", "1")),
          tonumber(lw.env("LW_SECS", "10")))
