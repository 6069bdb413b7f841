# lwIP (Debian's lwip source package, unpacked by scripts/deps under
# .deps/lwip-src/lwip-<version>/) compiled into the kernel as its TCP/IP
# stack: the core (IPv4, IPv6, TCP, UDP, raw, DHCP, ARP, ND), Ethernet and
# the tcpip thread. Not the netconn or socket APIs: the kernel's sockets
# (kernel/net/) sit on the raw API. Sets LWIP_SOURCES (absolute paths),
# LWIP_INCLUDE_DIRS (lwIP's headers and our port's) and LWIP_DIR; a caller
# adds the include dirs only to the files that use lwIP (docs/networking.md).
file(GLOB LWIP_DIR LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/.deps/lwip-src/lwip-*)
list(FILTER LWIP_DIR INCLUDE REGEX "/lwip-[0-9][^/]*$")
list(LENGTH LWIP_DIR lwip_found)
if(NOT lwip_found EQUAL 1 OR NOT EXISTS ${LWIP_DIR}/src/core/tcp.c)
  message(FATAL_ERROR "lwIP's source is not under .deps/lwip-src/lwip-*/ (found: '${LWIP_DIR}'): run scripts/deps")
endif()
set(LWIP_SOURCES)
foreach(f
    core/def.c core/inet_chksum.c core/init.c core/ip.c core/mem.c core/memp.c core/netif.c
    core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c
    core/timeouts.c core/udp.c
    core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c
    core/ipv4/ip4_frag.c core/ipv4/igmp.c
    core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c core/ipv6/ip6_addr.c
    core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c
    netif/ethernet.c api/tcpip.c)
  list(APPEND LWIP_SOURCES ${LWIP_DIR}/src/${f})
endforeach()
set(LWIP_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/kernel/net/lwip/include ${LWIP_DIR}/src/include)
