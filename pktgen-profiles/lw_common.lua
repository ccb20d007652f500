-- SPDX-License-Identifier: BSD-3-Clause
--
-- Shared by the leasewire pktgen-dpdk profiles: replay the pcap loaded on a
-- port (pktgen -s P:file.pcap) at a share of line rate for a while, then
-- print what went out and what came back (the server's replies).
--
-- Environment (read with os.getenv):
--   LW_PORT   pktgen port list to send on (default "0")
--   LW_RATE   percent of line rate (default 1; 342-byte frames, so on a
--             10 GbE VF 1 % is about 34,500 packets/s)
--   LW_SECS   seconds to send (default 10)
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local M = {}

function M.env(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		return default
	end
	return v
end

local function port_stats(port)
	local ok, st = pcall(pktgen.portStats, port, "port")
	if not ok or st == nil then
		return nil
	end
	return st[tonumber(port)] or st
end

-- replay(label, ports, rate, secs): pcap mode on, rate, start, wait, stop.
function M.replay(label, ports, rate, secs)
	pktgen.stop(ports)
	pktgen.clr()
	pktgen.pcap(ports, "on")
	pktgen.set(ports, "rate", rate)
	printf("%s: replaying on port(s) %s at %s%% of line rate for %d s\n",
	       label, ports, tostring(rate), secs)
	pktgen.start(ports)
	pktgen.delay(secs * 1000)
	pktgen.stop(ports)
	pktgen.delay(500) -- let the last replies arrive
	for port in string.gmatch(ports, "[^,]+") do
		local st = port_stats(port)
		if st ~= nil then
			printf("%s: port %s sent %s packets, received %s (server replies)\n",
			       label, port, tostring(st.opackets), tostring(st.ipackets))
			printf("LWPKTGEN profile=%s port=%s secs=%d opackets=%s ipackets=%s\n",
			       label, port, secs, tostring(st.opackets), tostring(st.ipackets))
		end
	end
end

return M
