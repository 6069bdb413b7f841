# The TCP/IP stack on a virtio-net card on QEMU's user network (restrict=on:
# nothing leaves the machine): DHCP gives 10.0.2.15 (dmesg says so; QEMU's
# restricted network offers no router, so no gateway), QEMU's gateway
# 10.0.2.2 answers ping, `net` lists the interfaces and the DHCP pcb, and a
# bad address gets its message. The lease comes within milliseconds of the
# card's probe; the test gives it a second.
qemu_test(net_dhcp_ping --image ${IMG} --timeout 60
  --send "sleep 1000" --send "ping -c 3 10.0.2.2" --send net --send "ping -c 2 127.0.0.1"
  --send "ping nosuch" --send dmesg --send "poweroff 7"
  --expect " eth0: DHCP bound 10\\.0\\.2\\.15/24, gateway none$"
  --expect "^64 bytes from 10\\.0\\.2\\.2: icmp_seq=3 ttl=255 time=[0-9]+\\.[0-9]{3} ms$"
  --expect "^--- 10\\.0\\.2\\.2 ping statistics ---\\n3 packets transmitted, 3 received, 0% packet loss$"
  --expect "^eth0   52:54:00:12:34:56 mtu 1500 up link up \\(virtio-(pci|mmio)[^)]*\\)\\n +inet 10\\.0\\.2\\.15/24 \\(dhcp\\)$"
  --expect "^udp +ESTAB +\\*:68 +\\*:67"
  --expect "^2 packets transmitted, 2 received, 0% packet loss$"
  --expect "^ping: 'nosuch' is not an IPv4 address"
  --reject "PANIC|lease lost" --status ${EXIT7}
  -- -netdev user,restrict=on,id=n0 -device virtio-net-pci,netdev=n0)
