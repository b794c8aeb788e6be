// Response rate limiting (RRL), the design BIND, NSD and Knot share: a spoofed query makes us
// send its answer to the victim whose address it carries, so answers to one destination are
// limited, not queries from one source. Spoofed floods become a trickle of small truncated replies
// (which a real resolver retries over TCP, where addresses cannot be spoofed); real clients at
// real rates never notice.
//
// What is counted together (NSD's classification, read from the reply we are about to send):
//   client prefix (IPv4 /24, IPv6 /56 by default) x response kind x a name by kind:
//     answer (NOERROR with records) ..... the query name and type
//     NXDOMAIN, NODATA .................. the zone (owner of the SOA in authority): random names
//                                         under one zone count as one
//     referral .......................... the delegation point (owner of the NS in authority)
//     error (REFUSED, FORMERR, ...) ..... nothing more: all errors to a prefix together
// Each key has a credit balance that refills at `responsesPerSecond` up to one second's worth;
// a response spends one. Below zero the response is limited, and the debt may grow to `window`
// seconds' worth, so a flood keeps being limited until it has stopped for a while (BIND's
// window). Every `slip`-th limited response goes out as an empty TC=1 reply (header and question,
// as NSD sends it), the others are dropped.
//
// Memory is fixed: a table of `tableSize` keys in typed arrays, 4-way set associative (a new key
// takes the place of the key in its set with the most credit, so the keys being limited stay),
// indexed by a keyed hash (a per-process random seed, so a flood cannot aim collisions at a
// victim's key). Nothing is allocated per response.

import { randomInt } from 'node:crypto';
import { Rcode } from '../dns/constants.js';
import { fmix32 } from '../dns/hash.js';
import { scanName } from '../wire/wire-name.js';
import { clientAddressOctets } from './client-address.js';

export interface RrlOptions {
  /** Responses per second per key (NSD's default, 200, is well above any real resolver's). */
  readonly responsesPerSecond: number;
  /** Every slip-th limited response is sent as TC=1; 0: drop them all; 1: truncate them all. */
  readonly slip: number;
  /** Seconds of debt a flood may run up: how long it stays limited after it stops. */
  readonly windowSeconds: number;
  /** Client prefix lengths: addresses within one prefix count together. */
  readonly ipv4PrefixLength: number;
  readonly ipv6PrefixLength: number;
  /** Keys tracked at once (rounded up to a power of two). */
  readonly tableSize: number;
}

export const DEFAULT_RRL: RrlOptions = {
  responsesPerSecond: 200,
  slip: 2,
  windowSeconds: 15,
  ipv4PrefixLength: 24,
  ipv6PrefixLength: 56,
  tableSize: 65536,
};

/** What to do with a response. */
export const RrlVerdict = { SEND: 0, SLIP: 1, DROP: 2 } as const;
export type RrlVerdict = (typeof RrlVerdict)[keyof typeof RrlVerdict];

/** The response kinds counted apart (NSD's classes, folded as the issue names them). */
export const ResponseKind = { ANSWER: 1, NXDOMAIN: 2, NODATA: 3, REFERRAL: 4, ERROR: 5 } as const;
export type ResponseKind = (typeof ResponseKind)[keyof typeof ResponseKind];

/** How a kind is written in the log. */
export const RESPONSE_KIND_NAMES: Readonly<Record<ResponseKind, string>> = { 1: 'answer', 2: 'nxdomain', 3: 'nodata', 4: 'referral', 5: 'error' };

export interface RrlCounters {
  /** Responses checked (UDP, without a valid cookie). */
  checked: number;
  /** Of those, over the rate: slipped + dropped. */
  limited: number;
  slipped: number;
  dropped: number;
  /** Keys that went from within the rate to limited. */
  limitStarts: number;
}

const WAYS = 4;
/**
 * A way is four 32-bit words (tag, stamp in ms, balance as a float, padding), a set four ways in
 * a row: 64 octets, one cache line, all a response touches of a table too big for the cache.
 */
const TAG = 0;
const STAMP = 1;
const BALANCE = 2;
const STRIDE = 4;

export class ResponseRateLimiter {
  readonly counters: RrlCounters = { checked: 0, limited: 0, slipped: 0, dropped: 0, limitStarts: 0 };
  private readonly rate: number;
  private readonly ratePerMs: number;
  private readonly floor: number;
  private readonly slip: number;
  private readonly v4Mask: number;
  /** Masks for the first and second 32 bits of an IPv6 address (prefixes up to /64). */
  private readonly v6Mask0: number;
  private readonly v6Mask1: number;
  private readonly setMask: number;
  private readonly seed: number;
  /** The table as integers (tags, stamps) and as floats (balances): one buffer, two views. */
  private readonly words: Int32Array;
  private readonly floats: Float32Array;
  private slipCount = 0;
  private readonly address = new Uint8Array(16);
  private readonly now: () => number;
  /** Called when a key starts being limited (for a rate-limited log line). */
  onLimit: ((client: string, kind: ResponseKind) => void) | undefined;

  /** `now`: milliseconds on a monotonic clock (default performance.now). */
  constructor(options: RrlOptions, now: () => number = () => performance.now()) {
    this.rate = options.responsesPerSecond;
    this.ratePerMs = options.responsesPerSecond / 1000;
    this.floor = -options.responsesPerSecond * options.windowSeconds;
    this.slip = options.slip;
    this.v4Mask = prefixMask(options.ipv4PrefixLength);
    this.v6Mask0 = prefixMask(Math.min(32, options.ipv6PrefixLength));
    this.v6Mask1 = prefixMask(Math.max(0, Math.min(32, options.ipv6PrefixLength - 32)));
    let size = WAYS;
    while (size < options.tableSize) size *= 2;
    this.setMask = size / WAYS - 1;
    this.seed = randomInt(0x7fffffff);
    this.words = new Int32Array(size * STRIDE);
    this.floats = new Float32Array(this.words.buffer);
    this.now = now;
  }

  /** Counts `reply` (an encoded response about to go to `client` over UDP) and says what to do with it. */
  check(reply: Uint8Array, client: string): RrlVerdict {
    this.counters.checked++;
    const kind = responseKind(reply);
    // The key: prefix, kind, and the name the kind is counted by, hashed twice (slot and tag).
    let h = this.prefixHash(client) ^ Math.imul(kind, 0x27d4eb2f);
    h = Math.imul(h ^ keyName(reply, kind, this.seed), 0x9e3779b1) ^ kind;
    const slotHash = fmix32(h);
    const tag = fmix32(h ^ 0x5bd1e995) | 1; // never 0: 0 marks an empty way
    const set = (slotHash & this.setMask) * WAYS * STRIDE;
    const now = this.now() | 0;
    const words = this.words;
    const floats = this.floats;
    let way = -1;
    for (let w = set; w < set + WAYS * STRIDE; w += STRIDE) {
      if (words[w + TAG] === tag) {
        way = w;
        break;
      }
    }
    let balance: number;
    if (way >= 0) {
      balance = Math.min(this.rate, floats[way + BALANCE]! + elapsed(now, words[way + STAMP]!) * this.ratePerMs);
    } else {
      way = this.victim(set, now);
      words[way + TAG] = tag;
      // A new key starts with one second's worth of credit.
      balance = this.rate;
    }
    words[way + STAMP] = now;
    const before = balance;
    balance = Math.max(this.floor, balance - 1);
    floats[way + BALANCE] = balance;
    if (balance >= 0) return RrlVerdict.SEND;
    this.counters.limited++;
    if (before >= 0) {
      this.counters.limitStarts++;
      this.onLimit?.(client, kind);
    }
    if (this.slip > 0 && ++this.slipCount >= this.slip) {
      this.slipCount = 0;
      this.counters.slipped++;
      return RrlVerdict.SLIP;
    }
    this.counters.dropped++;
    return RrlVerdict.DROP;
  }

  /**
   * The way a new key takes in its set: an empty one, else the key with the most credit (a key
   * whose balance has refilled loses nothing: a new key starts full). Keys being limited, the
   * ones that matter, have the least credit and are the last to go.
   */
  private victim(set: number, now: number): number {
    const words = this.words;
    let victim = set;
    let most = -Infinity;
    for (let w = set; w < set + WAYS * STRIDE; w += STRIDE) {
      if (words[w + TAG] === 0) return w;
      const credit = this.floats[w + BALANCE]! + elapsed(now, words[w + STAMP]!) * this.ratePerMs;
      if (credit > most) {
        victim = w;
        most = credit;
      }
    }
    return victim;
  }

  /** The client's prefix, hashed; unparseable addresses (tests without one) share prefix 0. */
  private prefixHash(client: string): number {
    const a = this.address;
    const len = clientAddressOctets(client, a);
    const w0 = ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0;
    if (len === 4) return fmix32((w0 & this.v4Mask) ^ this.seed);
    if (len === 0) return this.seed;
    const w1 = ((a[4]! << 24) | (a[5]! << 16) | (a[6]! << 8) | a[7]!) >>> 0;
    // IPv6 keys differ from IPv4 keys even when the words agree.
    return fmix32(Math.imul(fmix32((w0 & this.v6Mask0) ^ this.seed), 0x85ebca6b) ^ (w1 & this.v6Mask1) ^ 0x6a09e667);
  }
}

/** Milliseconds from `stamp` to `now`, both as 32-bit words (wrapping every 49 days). */
function elapsed(now: number, stamp: number): number {
  return (now - stamp) >>> 0;
}

function prefixMask(bits: number): number {
  return bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** The kind of an encoded response, from its header (RFC 1035 §4.1.1). */
export function responseKind(reply: Uint8Array): ResponseKind {
  const rcode = reply[3]! & 0xf;
  if (rcode === Rcode.NXDOMAIN) return ResponseKind.NXDOMAIN;
  if (rcode !== Rcode.NOERROR) return ResponseKind.ERROR;
  if (((reply[6]! << 8) | reply[7]!) > 0) return ResponseKind.ANSWER;
  // No answer: NODATA carries AA (our zone's SOA), a referral does not (RFC 1034 §4.3.2).
  return reply[2]! & 0x04 ? ResponseKind.NODATA : ResponseKind.REFERRAL;
}

/**
 * The hash of the name a response is counted by (see the top of the file), read from the reply:
 * the question for answers, the first authority record's owner for NXDOMAIN, NODATA and
 * referrals, nothing for errors. 0 when the reply does not have what is looked for.
 */
function keyName(reply: Uint8Array, kind: ResponseKind, seed: number): number {
  if (kind === ResponseKind.ERROR || reply[5] !== 1 || reply[4] !== 0) return 0;
  const end = reply.length;
  let p = scanName(reply, 12, end);
  if (p < 0 || p + 4 > end) return 0;
  if (kind === ResponseKind.ANSWER) return hashName(reply, 12, seed) ^ Math.imul((reply[p]! << 8) | reply[p + 1]!, 0x1b873593);
  p += 4;
  for (let n = (reply[6]! << 8) | reply[7]!; n > 0; n--) {
    p = scanName(reply, p, end);
    if (p < 0 || p + 10 > end) return 0;
    p += 10 + ((reply[p + 8]! << 8) | reply[p + 9]!);
  }
  if (((reply[8]! << 8) | reply[9]!) === 0 || p >= end) return 0;
  return hashName(reply, p, seed);
}

/** A case-folded hash of the (possibly compressed) name at `p` in our own reply. */
function hashName(msg: Uint8Array, p: number, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  // Our own encoder's pointers only go backwards; the bound is for safety.
  for (let hops = 0; hops < 128 && p < msg.length; ) {
    const len = msg[p]!;
    if (len === 0) break;
    if (len >= 0xc0) {
      p = ((len & 0x3f) << 8) | msg[p + 1]!;
      hops++;
      continue;
    }
    h = Math.imul(h ^ len, 0x01000193);
    const labelEnd = Math.min(msg.length, p + 1 + len);
    for (p++; p < labelEnd; p++) {
      let c = msg[p]!;
      if (c >= 0x41 && c <= 0x5a) c += 32;
      h = Math.imul(h ^ c, 0x01000193);
    }
  }
  return fmix32(h);
}
