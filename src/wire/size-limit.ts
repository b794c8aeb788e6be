// How large a response may be (RFC 1035 §4.2.1, RFC 6891 §6.2.3-6.2.5, RFC 7766 §8).

/** RFC 1035 §4.2.1: the UDP limit without EDNS, and the floor for any EDNS payload size. */
export const UDP_MIN_PAYLOAD = 512;
/**
 * What we advertise and never exceed over UDP: 1232 keeps a response in one unfragmented IPv6
 * packet on a 1280-octet MTU (DNS Flag Day 2020; Knot's default too).
 */
export const OUR_UDP_PAYLOAD = 1232;
/** RFC 1035 §4.2.2: the TCP length prefix is 16 bits. */
export const TCP_MAX_MESSAGE = 65535;

export type Transport = 'udp' | 'tcp';

/**
 * The size limit of a response: 65535 over TCP; over UDP 512 without EDNS, else the client's
 * payload size (values under 512 count as 512, RFC 6891 §6.2.5) capped at ours.
 */
export function responseSizeLimit(transport: Transport, clientUdpSize: number | undefined, ourMax = OUR_UDP_PAYLOAD): number {
  if (transport === 'tcp') return TCP_MAX_MESSAGE;
  if (clientUdpSize === undefined) return UDP_MIN_PAYLOAD;
  return Math.max(UDP_MIN_PAYLOAD, Math.min(clientUdpSize, ourMax));
}
