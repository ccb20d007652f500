-- SPDX-License-Identifier: BSD-3-Clause
--
-- leasewire pktgen-dpdk profile: DORA without waiting for OFFERs.
--
-- One port (default): dora.pcap, blocks of 64 DISCOVERs (option 50 asks for
-- pool-first + i) followed by the 64 matching REQUESTs (SELECTING, same xid,
-- option 54 = server). Expect one OFFER per DISCOVER and one ACK per REQUEST;
-- on later passes the DISCOVERs re-offer and the REQUESTs renew the binding.
--
--   pktgen -l 0-2 -n 4 -a <VF PCI> -- -P -m "[1:2].0" -s 0:pktgen-profiles/dora.pcap \
--          -f pktgen-profiles/dora.lua
--
-- Two ports (two VFs on the server's segment): the DISCOVER stream on one and
-- the REQUEST stream on the other, the REQUESTs starting LW_GAP_MS later:
--
--   LW_DISCOVER_PORT=0 LW_REQUEST_PORT=1 pktgen -l 0-4 -n 4 -a <VF0> -a <VF1> -- -P \
--          -m "[1:2].0,[3:4].1" -s 0:pktgen-profiles/dora_discover.pcap \
--          -s 1:pktgen-profiles/dora_request.pcap -f pktgen-profiles/dora.lua
package.path = package.path .. ";pktgen-profiles/?.lua;"
local lw = require "lw_common"

local rate = tonumber(lw.env("LW_RATE", "1"))
local secs = tonumber(lw.env("LW_SECS", "10"))
local dport = lw.env("LW_DISCOVER_PORT", "")
local rport = lw.env("LW_REQUEST_PORT", "")

if dport == "" or rport == "" then
	lw.replay("dora", lw.env("LW_PORT", "0"), rate, secs)
else
	local ports = dport .. "," .. rport
	pktgen.stop(ports)
	pktgen.clr()
	pktgen.pcap(ports, "on")
	pktgen.set(ports, "rate", rate)
	pktgen.start(dport)
	pktgen.delay(tonumber(lw.env("LW_GAP_MS", "100")))
	pktgen.start(rport)
	pktgen.delay(secs * 1000)
	pktgen.stop(ports)
	pktgen.delay(500)
	for _, p in ipairs({ dport, rport }) do
		local st = pktgen.portStats(p, "port")
		st = st and (st[tonumber(p)] or st)
		if st ~= nil then
			printf("LWPKTGEN profile=dora port=%s secs=%d opackets=%s ipackets=%s\n",
			       p, secs, tostring(st.opackets), tostring(st.ipackets))
		end
	end
end
