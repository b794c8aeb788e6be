// Who answered, and for how long the zone is good: a small step of the answer path
// (server/steps.ts IdentityStep), so servers behind one anycast address can be told apart.
//
// - CHAOS class TXT (the BIND convention, kept by Knot and NSD): `id.server.` and `hostname.bind.`
//   answer the configured `identity`, `version.server.` and `version.bind.` the configured
//   `version` (never the software's own version unless the operator writes it there). Anything
//   else in class CH, an unset value, or a type other than TXT is REFUSED, as Knot answers
//   (knot/nameserver/chaos.c). The answer is authoritative (AA, as BIND and NSD set it), TTL 0,
//   one character-string.
// - NSID (RFC 5001): a query whose OPT carries the NSID option (code 3, empty) gets ours back in
//   every reply, errors included, as Knot adds it (process_query.c answer_edns_init). Its payload
//   is `nsid` (text, or `0x` and hex digits, as Knot's `nsid`), by default the identity.
// - EXPIRE (RFC 7314): a query with the EXPIRE option (code 9) answered from a zone we hold data
//   for gets the seconds that data stays good: for a secondary zone what is left of its expire
//   timer, for a zone loaded from a file (we are its primary) its SOA EXPIRE (RFC 7314 §3). Knot
//   answers the same way, for any query type.
//
// The options are appended to the finished reply's OPT (wire/edns-option.ts), cached answers
// included; the answer was built with room for them (reserve), so it stays within the client's
// size limit.

import { Opcode, RRClass, RRType, Rcode } from '../dns/constants.js';
import { nameFromText, nameKey, type Name } from '../dns/name.js';
import { soaTimers } from '../xfr/xfr-client.js';
import { appendEdnsOption } from '../wire/edns-option.js';
import { buildErrorResponse, encodeResponse, type DecodedQuery } from '../wire/index.js';
import type { IdentityStep } from '../server/steps.js';
import type { ZoneRegistry } from '../zone/registry.js';

/** RFC 5001 §2.3 and RFC 7314 §2: option codes. */
export const EDNS_NSID = 3;
export const EDNS_EXPIRE = 9;
/** An option's code and length octets. */
const OPTION_HEADER = 4;

export interface IdentityOptions {
  /** id.server / hostname.bind, and the NSID unless `nsid` is given. */
  readonly identity?: string;
  /** The NSID payload: text, or `0x` followed by hex digits. */
  readonly nsid?: string;
  /** version.server / version.bind. */
  readonly version?: string;
}

/** Milliseconds since the epoch at which a secondary zone's data expires; undefined: not a secondary (or expired). */
export type SecondaryExpiry = (origin: Name) => number | undefined;

/** The octets of an `nsid` setting: `0x` + hex is binary, anything else its UTF-8 text. Throws on bad hex. */
export function nsidBytes(text: string): Buffer {
  if (!/^0x/i.test(text)) return Buffer.from(text, 'utf8');
  const hex = text.slice(2);
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) throw new Error(`"${text}": expected 0x followed by an even number of hex digits`);
  return Buffer.from(hex, 'hex');
}

const ID_NAMES = ['id.server.', 'hostname.bind.'].map((t) => nameKey(nameFromText(t)));
const VERSION_NAMES = ['version.server.', 'version.bind.'].map((t) => nameKey(nameFromText(t)));

export class Identity implements IdentityStep {
  private readonly nsid: Buffer | undefined;
  private readonly identityText: string | undefined;
  private readonly versionText: string | undefined;

  constructor(options: IdentityOptions, private readonly registry: ZoneRegistry, private readonly secondaryExpiry: SecondaryExpiry, private readonly now: () => number = Date.now) {
    this.identityText = options.identity;
    this.versionText = options.version;
    const nsid = options.nsid ?? options.identity;
    this.nsid = nsid === undefined ? undefined : nsidBytes(nsid);
  }

  chaos(query: DecodedQuery, maxUdp: number): Buffer {
    const q = query.question;
    const key = nameKey(q.name);
    const text = ID_NAMES.includes(key) ? this.identityText : VERSION_NAMES.includes(key) ? this.versionText : undefined;
    if (query.opcode !== Opcode.QUERY || q.qtype !== RRType.TXT || text === undefined || text === '') return buildErrorResponse(query, Rcode.REFUSED, maxUdp);
    const value = Buffer.from(text, 'utf8').subarray(0, 255);
    return encodeResponse({
      id: query.id, opcode: query.opcode, flags: { aa: true, rd: query.rd, ad: false, cd: query.cd }, rcode: Rcode.NOERROR,
      question: q,
      answer: [[{ owner: q.name, type: RRType.TXT, class: RRClass.CH, ttl: 0, rdata: String.fromCharCode(value.length) + value.toString('latin1') }]],
      edns: query.edns === undefined ? undefined : { udpSize: maxUdp, do: query.edns.do },
    }, 512);
  }

  reserve(query: DecodedQuery): number {
    const options = query.edns?.options;
    if (options === undefined || options.length === 0) return 0;
    let room = 0;
    for (const o of options) {
      if (o.code === EDNS_NSID && this.nsid !== undefined) room += OPTION_HEADER + this.nsid.length;
      else if (o.code === EDNS_EXPIRE) room += OPTION_HEADER + 4;
    }
    return room;
  }

  finish(reply: Buffer, query: DecodedQuery): Buffer {
    const options = query.edns!.options;
    let out = reply;
    if (this.nsid !== undefined && options.some((o) => o.code === EDNS_NSID)) out = appendEdnsOption(out, EDNS_NSID, this.nsid) ?? out;
    if (options.some((o) => o.code === EDNS_EXPIRE)) {
      const seconds = this.expireSeconds(query, out);
      if (seconds !== undefined) {
        const data = Buffer.allocUnsafe(4);
        data.writeUInt32BE(seconds);
        out = appendEdnsOption(out, EDNS_EXPIRE, data) ?? out;
      }
    }
    return out;
  }

  /** RFC 7314 §3: the EXPIRE value for the zone the reply came from; undefined: no zone data answered it. */
  private expireSeconds(query: DecodedQuery, reply: Buffer): number | undefined {
    const rcode = reply[3]! & 0xf;
    if (query.question.qclass !== RRClass.IN || (rcode !== Rcode.NOERROR && rcode !== Rcode.NXDOMAIN)) return undefined;
    const handle = this.registry.find(nameKey(query.question.name));
    const snapshot = handle?.snapshot;
    if (snapshot === undefined) return undefined;
    const expiresAt = this.secondaryExpiry(handle!.origin);
    if (expiresAt === undefined) return soaTimers(snapshot.soa.rdata[0]!).expire;
    return Math.max(0, Math.floor((expiresAt - this.now()) / 1000));
  }
}
