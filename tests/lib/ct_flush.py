#!/usr/bin/env python3
# `conntrack -F` for the test routers (this host has no conntrack tool): one ctnetlink
# IPCTNL_MSG_CT_DELETE without a tuple flushes the table of the namespace it runs in, so
# every NAT mapping is forgotten. Run it as `ip netns exec NS python3 ct_flush.py`.
import socket
import struct

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
body = struct.pack("=BBH", socket.AF_INET, 0, 0)  # nfgenmsg
hdr = struct.pack("=IHHII", 16 + len(body), (1 << 8) | 2, 1 | 4, 1, 0)  # CT_DELETE, REQUEST|ACK
s.send(hdr + body)
err = struct.unpack("=i", s.recv(4096)[16:20])[0]
raise SystemExit(0 if err == 0 else "ctnetlink flush: error %d" % err)
