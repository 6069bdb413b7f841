# virtio-net on QEMU's user network (slirp, restrict=on: nothing leaves the
# machine; the guest is 10.0.2.15, the gateway 10.0.2.2): the driver's
# ktests (drivers/net/virtio_net_tests.c: ARP through the tap, a burst,
# frames over small mergeable buffers, a lost notification or interrupt
# repaired by the driver's watch, nonsense dropped, a tap switch that
# waits for the running tap) typed at the shell of the normal image, so a
# boot runs only them, with `devices` and `lspci` showing the device and
# `net` the watch's repairs. One boot per transport and feature set; the arch's
# part adds its transports (virtio-mmio, INTx, pc).
set(NET_USER -netdev user,restrict=on,id=n0)
# romfile=: no iPXE option ROM for the firmware to load (x86_64's SeaBIOS).
# PLAIN: the device is told mrg_rxbuf=off (the ktest then says it has no
# mergeable buffers; otherwise it must not).
function(net_test name)
  cmake_parse_arguments(NT "PLAIN" "" "ENV;EXPECT;QEMU" ${ARGN})
  set(envs)
  foreach(e ${NT_ENV})
    list(APPEND envs --env ${e})
  endforeach()
  set(expects)
  foreach(x ${NT_EXPECT})
    list(APPEND expects --expect ${x})
  endforeach()
  if(NT_PLAIN)
    list(APPEND expects --expect "did not negotiate mergeable buffers")
  else()
    list(APPEND expects --reject "did not negotiate mergeable buffers")
  endif()
  qemu_test(net_${name} --image ${IMG} ${envs} --timeout 60
    --send "ktest virtio_net" --send "ktest netdev_" --send devices --send lspci --send net
    --send "poweroff 7"
    --expect "^ktest virtio_net_arp_reply_seen_through_tap +ok$"
    --expect "^ktest virtio_net_burst_answered_and_counted +ok$"
    --expect "^ktest virtio_net_frames_over_small_mergeable_buffers +ok$"
    --expect "^ktest virtio_net_lost_transmit_notification_repeated +ok$"
    --expect "^ktest virtio_net_lost_receive_interrupt_found +ok$"
    --expect "^ktest virtio_net_lost_refill_notification_repeated +ok$"
    --expect "^ktest virtio_net_nonsense_from_device_dropped +ok$"
    --expect "^ktest: 7 passed, 0 failed$"
    --expect "^ +device: [1-9][0-9]* notifications repeated, [1-9][0-9]* interrupts missed \\(found by the driver's watch\\)$"
    --expect "^ktest netdev_set_tap_waits_for_the_old_tap +ok$(?s:.*)^ktest: 1 passed, 0 failed$"
    --expect "^  virtio-[a-z]+[ @][0-9a-f:.]+ +virtio-net +-$"
    ${expects} --reject "PANIC|no virtio-net device" --status ${EXIT7}
    -- ${NET_USER} ${NT_QEMU})
endfunction()

# Modern virtio-pci, MSI-X where the platform has it: every feature QEMU's
# user network offers that the driver takes (MAC, STATUS, MRG_RXBUF,
# EVENT_IDX, CTRL_VQ).
net_test(pci EXPECT "^[0-9a-f]{2}:[0-9a-f]{2}\\.[0-9] 1af4:10(00|41) class 020000 virtio-pci irq"
  QEMU -device virtio-net-pci,netdev=n0,romfile=)
# Without them: one buffer per frame, interrupts by the flags, no status
# (the link is up), a MAC of QEMU's choosing all the same.
net_test(pci_plain PLAIN
  QEMU -device virtio-net-pci,netdev=n0,romfile=,mrg_rxbuf=off,event_idx=off,status=off,ctrl_vq=off)
# No device: the ktests say they are skipped, and why.
qemu_test(net_none --image ${IMG} --timeout 60 --send "ktest virtio_net" --send "ktest netdev_" --send "poweroff 7"
  --expect "^ktest virtio_net_arp_reply_seen_through_tap +skipped: no virtio-net device to send on"
  --expect "^ktest: 0 passed, 0 failed, 7 skipped$" --expect "^ktest: 0 passed, 0 failed, 1 skipped$"
  --status ${EXIT7})
arch_part(net)

# The TCP/IP stack on a virtio-net card on QEMU's user network (restrict=on:
# nothing leaves the machine): DHCP gives 10.0.2.15 (dmesg says so; QEMU's
# restricted network offers no router, so no gateway), QEMU's gateway
# 10.0.2.2 answers ping, `net` lists the interfaces and the DHCP pcb, and a
# bad address and a bad option get their messages; `threads -v` shows where
# lwIP's thread waits (its mailbox), from the frame records it left. The lease comes within milliseconds of the
# card's probe; the test gives it a second.
qemu_test(net_dhcp_ping --image ${IMG} --timeout 60
  --send "sleep 1000" --send "ping -c 3 10.0.2.2" --send net --send "ping -c 2 127.0.0.1"
  --send "ping nosuch" --send "net -x" --send "threads -v" --send "threads -x" --send dmesg --send "poweroff 7"
  --expect " eth0: DHCP bound 10\\.0\\.2\\.15/24, gateway none$"
  --expect "^64 bytes from 10\\.0\\.2\\.2: icmp_seq=3 ttl=255 time=[0-9]+\\.[0-9]{3} ms$"
  --expect "^--- 10\\.0\\.2\\.2 ping statistics ---\\n3 packets transmitted, 3 received, 0% packet loss$"
  --expect "^eth0   52:54:00:12:34:56 mtu 1500 up link up \\(virtio-(pci|mmio)[^)]*\\)\\n +inet 10\\.0\\.2\\.15/24 \\(dhcp\\)$"
  --expect "^udp +ESTAB +\\*:68 +\\*:67"
  --expect "^2 packets transmitted, 2 received, 0% packet loss$"
  --expect "^ping: 'nosuch' is not an IPv4 address"
  --expect "^kernel> net -x\nusage: net \\x5b-v\\x5d\nkernel> "
  --expect "^where they wait:$(?s:.*)^ +[0-9]+  tcpip\n +waits in wait_set_block_until\\+0x[0-9a-f]+ wait_for\\+0x[0-9a-f]+ sys_arch_mbox_fetch\\+0x[0-9a-f]+ tcpip_thread\\+0x"
  --expect "^kernel> threads -x\nusage: threads \\x5b-v\\x5d\nkernel> "
  --reject "PANIC|lease lost" --status ${EXIT7}
  -- ${NET_USER} -device virtio-net-pci,netdev=n0,romfile=)
# busybox `ip` through AF_NETLINK (kernel/net/netlink.c): `ip link`, `ip
# addr` and `ip route` show lo and eth0 as ifconfig and /proc/net/route
# do, after DHCP's lease (10.0.2.15/24, no gateway on restrict=on), with
# the IPv6 addresses (lo's ::1, eth0's link-local one and the one SLAAC
# takes from slirp's fec0::/64 when it came yet).
if(BUSYBOX)
  qemu_test(net_ip --image ${IMG} --timeout 60
    --send "sleep 1000" --send "run /bin/busybox ip link" --send "run /bin/busybox ip addr show"
    --send "run /bin/busybox ip route show" --send "poweroff 7"
    --expect "^kernel> run /bin/busybox ip link\\n1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\\n +link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\\n2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue qlen 1000\\n +link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox ip addr show\\n1: lo: .*\\n +link/loopback .*\\n +inet 127\\.0\\.0\\.1/8 scope host lo\\n +valid_lft forever preferred_lft forever\\n +inet6 ::1/128 scope host *\\n +valid_lft forever preferred_lft forever\\n2: eth0: .*\\n +link/ether 52:54:00:12:34:56 .*\\n +inet 10\\.0\\.2\\.15/24 brd 10\\.0\\.2\\.255 scope global eth0\\n +valid_lft forever preferred_lft forever(\\n +inet6 fe[8c]0::5054:ff:fe12:3456/64 scope (link|site)[a-z ]*\\n +valid_lft (forever|\\d+sec) preferred_lft (forever|\\d+sec))+\\n\\[exit 0\\]$"
    --expect "^kernel> run /bin/busybox ip route show\\n10\\.0\\.2\\.0/24 dev eth0 scope link +src 10\\.0\\.2\\.15 *\\n\\[exit 0\\]$"
    --reject "PANIC|RTNETLINK|netlink" --status ${EXIT7}
    -- ${NET_USER} -device virtio-net-pci,netdev=n0,romfile=)
  # and changes through it as Linux answers them: the address DHCP gave
  # again (EEXIST), a second one (EBUSY: lwIP keeps one), a default route
  # added, shown, and gone with the address; the gateway unreachable
  # without an address, reachable from a new one; a route lwIP cannot
  # hold (EOPNOTSUPP). `ip addr ... dev eth0` finds eth0 through
  # SIOCGIFINDEX on an AF_UNIX socket (glibc's if_nametoindex()). Last,
  # `unetlink notify eth0` (tests/programs/unetlink.c): the groups' notifications
  # of eth0 down and up and an address come and gone, then eth0 as it was.
  set(BB "run /bin/busybox ip")
  qemu_test(net_ip_change --image ${IMG} --timeout 90
    --send "sleep 1000" --send "${BB} addr add 10.0.2.15/24 dev eth0" --send "${BB} addr add 10.0.2.16/24 dev eth0"
    --send "${BB} route add default via 10.0.2.2" --send "${BB} route add default via 10.0.2.2"
    --send "${BB} route add 192.168.7.0/24 via 10.0.2.2" --send "${BB} route show"
    --send "${BB} addr del 10.0.2.15/24 dev eth0" --send "${BB} route show" --send "${BB} route del default"
    --send "run /bin/busybox ping -c 1 -W 1 10.0.2.2" --send "${BB} addr del 10.0.2.99/24 dev eth0"
    --send "${BB} addr add 10.0.2.20/24 dev eth0" --send "${BB} -4 addr show dev eth0"
    --send "${BB} route replace default via 10.0.2.2 dev eth0" --send "${BB} route show"
    --send "run /bin/busybox ping -c 1 10.0.2.2" --send "run /bin/unetlink notify eth0" --send "poweroff 7"
    --expect "^kernel> ${BB} addr add 10\\.0\\.2\\.15/24 dev eth0\\nip: RTNETLINK answers: File exists\\n\\[exit 2\\]$"
    --expect "^kernel> ${BB} addr add 10\\.0\\.2\\.16/24 dev eth0\\nip: RTNETLINK answers: Device or resource busy\\n\\[exit 2\\]$"
    --expect "^kernel> ${BB} route add default via 10\\.0\\.2\\.2\\n\\[exit 0\\]\\nkernel> ${BB} route add default via 10\\.0\\.2\\.2\\nip: RTNETLINK answers: File exists\\n\\[exit 2\\]$"
    --expect "^kernel> ${BB} route add 192\\.168\\.7\\.0/24 via 10\\.0\\.2\\.2\\nip: RTNETLINK answers: Operation not supported\\n\\[exit 2\\]$"
    --expect "^kernel> ${BB} route show\\ndefault via 10\\.0\\.2\\.2 dev eth0 *\\n10\\.0\\.2\\.0/24 dev eth0 scope link +src 10\\.0\\.2\\.15 *\\n\\[exit 0\\]$"
    --expect "^kernel> ${BB} addr del 10\\.0\\.2\\.15/24 dev eth0\\n\\[exit 0\\]\\nkernel> ${BB} route show\\n\\[exit 0\\]\\nkernel> ${BB} route del default\\nip: RTNETLINK answers: No such process\\n\\[exit 2\\]$"
    --expect "^ping: sendto: Network is unreachable\\n\\[exit 1\\]\\nkernel> ${BB} addr del 10\\.0\\.2\\.99/24 dev eth0\\nip: RTNETLINK answers: Cannot assign requested address\\n\\[exit 2\\]$"
    --expect "^kernel> ${BB} -4 addr show dev eth0\\n2: eth0: .*\\n +inet 10\\.0\\.2\\.20/24 brd 10\\.0\\.2\\.255 scope global eth0\\n +valid_lft forever preferred_lft forever\\n\\[exit 0\\]$"
    --expect "^kernel> ${BB} route show\\ndefault via 10\\.0\\.2\\.2 dev eth0 *\\n10\\.0\\.2\\.0/24 dev eth0 scope link +src 10\\.0\\.2\\.20 *\\n\\[exit 0\\]$"
    --expect "^1 packets transmitted, 1 packets received, 0% packet loss$"
    --expect "^unetlink: 0 failed\\n\\[exit 0\\]$"
    --reject "PANIC" --status ${EXIT7}
    -- ${NET_USER} -device virtio-net-pci,netdev=n0,romfile=)
endif()
# Our TCP judged by Linux's (tests/qemu/net_pair.py): our kernel and Debian's
# Linux (scripts/linux_peer.py) on one QEMU socket network on 127.0.0.1,
# each in a busybox shell, ours addressed by busybox ifconfig: ping both
# ways, 64 MiB of random bytes over TCP each way (busybox nc, SHA-256 on
# both sides), 30 short connections each way, 300 UDP datagrams of up to
# 8000 bytes (fragmented) each way, every echo compared (unettool, the same
# file in both kernels); busybox telnet from ours into Linux's telnetd
# (ours has no pseudo-terminals to be a telnetd); a flood from Linux of 20000 SYNs at a listening
# port, as many at a closed one and 20000 junk frames, after which ours
# answers, takes connections and holds no more memory; then netem on
# Linux's side (5% loss, 1% duplication, 25% reordering behind a 5 ms
# delay: tests/peer/netem.c) and 2 MiB each way, the datagrams and ping
# again. Debian 12 has no riscv64 kernel: there two of ours meet
# (NET_PEER, the arch's part), without telnet and netem; ours has no packet
# socket to flood from, so the host's unettool floods through a QEMU hub on
# B's card (NET_PAIR_ARGS, the arch's part: --host-tool).
if(NOT NET_PEER)
  set(NET_PEER linux)
endif()
add_test(NAME ${KERNEL_ARCH}.net_pair COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/net_pair.py ${KERNEL_ARCH}
  ${NET_PEER} ours --image ${IMG} --tool ${CMAKE_BINARY_DIR}/programs/unettool --mib 64
  --netem 5,1,25,5 --flood 20000 ${NET_PAIR_ARGS})
# Not a speed target: Debian's Linux for arm64 under TCG sends at a few
# Mbit/s on a loaded host (to itself too: docs/performance.md), and the
# 64 MiB from it then take minutes.
set_tests_properties(${KERNEL_ARCH}.net_pair PROPERTIES TIMEOUT 900)
# The host and busybox httpd in our kernel on QEMU's user network
# (restrict=on, hostfwd on 127.0.0.1; tests/qemu/net_host_test.py): 100
# files of 0 B to 64 MiB from an ext2 disk, each SHA-256 checked; 200
# connections held open at once, each answered; a client that vanishes
# mid-file leaves the sockets and the heap as they were; busybox wget of a
# host file through a guestfwd.
add_test(NAME ${KERNEL_ARCH}.net_host COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/net_host_test.py
  --arch ${KERNEL_ARCH} --image ${IMG})
set_tests_properties(${KERNEL_ARCH}.net_host PROPERTIES TIMEOUT 400)
