#!/usr/bin/env bash
# Captures real zmap and masscan runs into pcap files, for the scan-event tests
# (tests/tools/real-scanners.test.ts):
#
#   tests/tools/capture-scanners.sh OUTDIR
#
# writes OUTDIR/zmap.pcap      zmap -p 23 over 198.18.0.0/24 (a horizontal scan)
#        OUTDIR/masscan.pcap   masscan -p0-1000 on 198.18.0.10-198.18.0.12 (a vertical scan)
#
# Containment: everything runs in two network namespaces made here and deleted
# on exit, joined by one veth pair and nothing else. The scanner namespace has
# one address (198.19.0.1/24) and one route, 198.18.0.0/24 onto the veth; the
# darknet namespace has 198.19.0.2/24 and no route at all, and answers nothing
# (it owns none of the scanned addresses). No namespace has a link to the host
# or anywhere else, so no probe can leave the pair. 198.18.0.0/15 is the
# benchmarking range (RFC 2544), unused on the Internet.
#
# Needs root, and Debian's zmap, masscan, tcpdump and iproute2:
#   apt-get install -y zmap masscan tcpdump iproute2
set -euo pipefail

out=${1:?usage: capture-scanners.sh OUTDIR}
missing=()
for tool in zmap masscan tcpdump ip; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "capture-scanners: missing ${missing[*]}; install with: apt-get install -y zmap masscan tcpdump iproute2" >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "capture-scanners: needs root (network namespaces, raw sockets)" >&2
  exit 2
fi
export PATH="$PATH:/usr/sbin:/sbin"
mkdir -p "$out"

tag=$$
scan_ns="ds-scan-$tag"
dark_ns="ds-dark-$tag"
scan_if="dss$tag"
dark_if="dsd$tag"
tcpdump_pid=""

cleanup() {
  if [ -n "$tcpdump_pid" ]; then kill "$tcpdump_pid" 2>/dev/null || true; fi
  ip netns del "$scan_ns" 2>/dev/null || true
  ip netns del "$dark_ns" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 143' INT TERM

ip netns add "$scan_ns"
ip netns add "$dark_ns"
# No IPv6 in either namespace: the kernel's link-local chatter (router
# solicitations, MLD) would only add noise to the captures.
for ns in "$scan_ns" "$dark_ns"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
# Created inside the scanner namespace, the pair never exists in the host's.
ip -n "$scan_ns" link add "$scan_if" type veth peer name "$dark_if" netns "$dark_ns"
ip -n "$scan_ns" addr add 198.19.0.1/24 dev "$scan_if"
ip -n "$dark_ns" addr add 198.19.0.2/24 dev "$dark_if"
ip -n "$scan_ns" link set "$scan_if" up
ip -n "$dark_ns" link set "$dark_if" up
ip -n "$scan_ns" route add 198.18.0.0/24 dev "$scan_if"
dark_mac=$(ip -n "$dark_ns" -o link show "$dark_if" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

# Only the two namespaces' own links may exist: refuse to scan otherwise.
for ns in "$scan_ns" "$dark_ns"; do
  links=$(ip -n "$ns" -o link show | grep -cv ': lo:' || true)
  if [ "$links" -ne 1 ]; then echo "capture-scanners: namespace $ns has $links links, expected 1" >&2; exit 1; fi
done

# capture NAME COMMAND...: runs COMMAND in the scanner namespace while tcpdump records the darknet side.
capture() {
  local name=$1
  shift
  # -Q in: what arrives at the darknet, as a telescope sees it.
  ip netns exec "$dark_ns" tcpdump -i "$dark_if" -Q in -n -U -w "$out/$name.pcap" 2>"$out/$name.tcpdump.log" &
  tcpdump_pid=$!
  for _ in $(seq 50); do grep -q 'listening on' "$out/$name.tcpdump.log" && break; sleep 0.1; done
  ip netns exec "$scan_ns" "$@" >"$out/$name.log" 2>&1 &
  local scanner=$!
  # masscan's receive thread waits for a frame before it notices the scan is
  # over: the darknet side sends a datagram to an address of its own subnet
  # that nobody has (an ARP request, inside the pair) once a second, until
  # the scanner exits.
  while kill -0 "$scanner" 2>/dev/null; do
    ip netns exec "$dark_ns" bash -c 'echo > /dev/udp/198.19.0.3/9' 2>/dev/null || true
    sleep 1
  done
  wait "$scanner"
  sleep 1
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" || true
  tcpdump_pid=""
}

# zmap 2.1 sets IP ID 54321 on every probe; its default blocklist excludes
# 198.18.0.0/15, so it gets an empty one.
capture zmap zmap -p 23 -i "$scan_if" -S 198.19.0.1 -G "$dark_mac" -r 200 -c 1 -b /dev/null -o /dev/null 198.18.0.0/24
# masscan sets IP ID = destination ^ port ^ sequence number.
capture masscan masscan 198.18.0.10-198.18.0.12 -p0-1000 --rate 1000 --wait 1 \
  --adapter "$scan_if" --adapter-ip 198.19.0.1 --router-mac "$dark_mac"
echo "capture-scanners: wrote $out/zmap.pcap and $out/masscan.pcap"
