import ipaddr from 'ipaddr.js';

/**
 * Whether an address may be fetched from: public unicast only. Private, loopback, link-local,
 * unique-local, multicast, reserved, carrier-grade NAT and the cloud metadata address are refused,
 * and so are IPv6 forms that embed an IPv4 address (mapped, 6to4, NAT64, Teredo), judged by the
 * address they carry. `allowLoopback` admits 127.0.0.0/8 and ::1 only (test fixture servers).
 */
export function isPermittedAddress(address: string, allowLoopback = false): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return false;
  }
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const range = ip.range();
  return range === 'unicast' || (allowLoopback && range === 'loopback');
}
