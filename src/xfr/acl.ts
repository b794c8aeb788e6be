// Who may transfer a zone. Transfers are refused unless a zone (or the server-wide default)
// allows them: a zone's content is not for everyone (RFC 5936 §5: "the primary SHOULD restrict
// AXFR to authorized clients"; the same holds for IXFR). Like BIND's allow-transfer, a client
// that is not allowed gets REFUSED (Knot answers NOTAUTH; BIND's answer is the one operators know).
//
// Configuration: { "allow": ["127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32", "any"], "keys": ["k1."] }
// The client's address must match `allow`; when `keys` is given, the request must also be signed
// with one of those TSIG keys (both must hold, as in Knot's ACLs). Checking the signature is the
// TSIG module's work: the decision here only says which keys would do (`requireKey`).

import { isIPv4, isIPv6 } from 'node:net';
import { nameKey, type Name } from '../dns/name.js';

/** A transfer policy as written in the configuration. */
export interface TransferAcl {
  /** Address prefixes (v4 or v6, optional /len) or "any". Empty: nobody. */
  readonly allow: readonly string[];
  /** TSIG key names (absolute); when present, the request must be signed with one of them. */
  readonly keys?: readonly Name[];
}

/** An address prefix: 16 octets (IPv4 as IPv4-mapped IPv6, so one comparison serves both). */
export interface AddressPrefix {
  readonly bytes: Uint8Array;
  /** Prefix length in bits over the 128-bit form (an IPv4 /8 is 96 + 8). */
  readonly bits: number;
  readonly text: string;
}

export class AclError extends Error {
  override readonly name = 'AclError';
}

/** IPv4 dotted quad -> 4 octets; undefined if not one. */
function v4Octets(text: string): number[] | undefined {
  if (!isIPv4(text)) return undefined;
  return text.split('.').map(Number);
}

/** Any IPv6 text form (with :: and an embedded dotted quad) -> 16 octets; undefined if not one. */
function v6Octets(text: string): number[] | undefined {
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone); // scope id: not part of the address
  if (!isIPv6(text)) return undefined;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const q = v4Octets(last);
    if (q === undefined) return undefined;
    tail = q;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  const all = [...h, ...new Array<number>(fill).fill(0), ...r];
  if (all.length !== 8) return undefined;
  const out: number[] = [];
  for (const g of all) out.push(g >> 8, g & 0xff);
  if (tail.length === 4) out.splice(12, 4, ...tail);
  return out;
}

/** 16-octet form of a v4 or v6 address (v4 as ::ffff:a.b.c.d); undefined if neither. */
export function addressBytes(text: string): Uint8Array | undefined {
  const v4 = v4Octets(text);
  if (v4 !== undefined) return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
  const v6 = v6Octets(text);
  return v6 === undefined ? undefined : Uint8Array.from(v6);
}

/** Parses `10.0.0.0/8`, `192.0.2.1`, `::1`, `2001:db8::/32`. Throws AclError. */
export function parsePrefix(text: string): AddressPrefix {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const isV4 = isIPv4(addr);
  const bytes = addressBytes(addr);
  if (bytes === undefined) throw new AclError(`"${text}" is not an IPv4 or IPv6 address or prefix`);
  const max = isV4 ? 32 : 128;
  let len = max;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(l) || Number(l) > max) throw new AclError(`"${text}": prefix length must be 0-${max}`);
    len = Number(l);
  }
  const bits = isV4 ? 96 + len : len;
  // Host bits set below the prefix length are an operator's typo more often than not; BIND
  // rejects them too ("10.1.2.3/8"), rather than silently widening the prefix.
  for (let b = bits; b < 128; b++) {
    if (bytes[b >> 3]! & (0x80 >> (b & 7))) throw new AclError(`"${text}": bits are set past the /${len} prefix`);
  }
  return { bytes, bits, text };
}

export function prefixContains(prefix: AddressPrefix, address: Uint8Array): boolean {
  const full = prefix.bits >> 3;
  for (let i = 0; i < full; i++) if (prefix.bytes[i] !== address[i]) return false;
  const rest = prefix.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (prefix.bytes[full]! & mask) === (address[full]! & mask);
}

/** The result of checking a transfer request against the policy. */
export type AclDecision =
  | { readonly kind: 'allow' }
  | { readonly kind: 'refuse'; readonly reason: string }
  /**
   * The address is allowed, but only with a TSIG signature by one of `keys` (case-folded names).
   * The TSIG module decides whether the request satisfies it (see TsigHook in transfer.ts).
   */
  | { readonly kind: 'requireKey'; readonly keys: readonly Name[] };

/** A compiled transfer policy. */
export class TransferPolicy {
  private readonly prefixes: readonly AddressPrefix[];
  readonly keys: readonly Name[] | undefined;

  constructor(readonly acl: TransferAcl) {
    const prefixes: AddressPrefix[] = [];
    for (const entry of acl.allow) {
      if (entry.toLowerCase() === 'any') prefixes.push(parsePrefix('0.0.0.0/0'), parsePrefix('::/0'));
      else prefixes.push(parsePrefix(entry));
    }
    this.prefixes = prefixes;
    this.keys = acl.keys === undefined || acl.keys.length === 0 ? undefined : acl.keys.map(nameKey);
  }

  /** True if some address may ask (with or without a key): transfers can happen. */
  allowsAnyone(): boolean {
    return this.prefixes.length > 0;
  }

  /** Does `client` (as a socket reports it: `192.0.2.1`, `::1`, `::ffff:192.0.2.1`) match? */
  addressAllowed(client: string): boolean {
    const bytes = addressBytes(client);
    if (bytes === undefined) return false;
    for (const p of this.prefixes) if (prefixContains(p, bytes)) return true;
    return false;
  }

  decide(client: string): AclDecision {
    if (!this.addressAllowed(client)) return { kind: 'refuse', reason: `${client || 'client'} is not in the transfer ACL` };
    return this.keys === undefined ? { kind: 'allow' } : { kind: 'requireKey', keys: this.keys };
  }
}

/** Refuses everyone: the default when neither the zone nor the server allows transfers. */
export const DENY_ALL = new TransferPolicy({ allow: [] });

/** The policy for a zone: its own when configured, else the server's default, else nobody. */
export function transferDecision(zone: TransferPolicy | undefined, server: TransferPolicy | undefined, client: string): AclDecision {
  const policy = zone ?? server;
  if (policy === undefined) return { kind: 'refuse', reason: 'transfers are not enabled for this zone' };
  return policy.decide(client);
}
