// DNS cookies, server side (RFC 7873), with the interoperable server cookie of RFC 9018: any
// server that shares the secret (another zonedns, or BIND, Knot, NSD configured with it) makes
// and accepts the same cookies, which is what an anycast address needs.
//
//   Server Cookie = Version (1) | Reserved (3 x 0) | Timestamp (32-bit seconds, RFC 1982) |
//                   Hash = SipHash-2-4(Client Cookie | Version | Reserved | Timestamp | Client IP)
//
// A received server cookie is valid when it is 16 octets of version 1, its timestamp lies within
// [now - 1 hour, now + 5 minutes] (RFC 9018 §4.3), and its hash matches under the current secret
// or one of the previous ones (a secret rolls over without invalidating cookies in flight, §5).
// A valid cookie made with the current secret less than half an hour ago goes back as it came;
// otherwise a fresh one is made (§4.3: the client learns a renewed cookie well before expiry).
//
// Nothing here allocates per query: the option is read from the decoded string, the hash input
// and the cookie to send live in buffers owned by the instance (valid until the next check()).
// Hashes under the current secret are remembered for their input (a small direct-mapped table):
// a resolver sends the same client cookie, address and server cookie query after query, so
// most checks compare 32 octets instead of running SipHash. Exact: same input, same hash.

import { clientAddressOctets } from './client-address.js';
import { SipHashKey, siphash24 } from './siphash.js';

/** RFC 7873 §4: a client cookie is 8 octets; a whole option 8, or 16 to 40 octets. */
export const CLIENT_COOKIE_SIZE = 8;
/** RFC 9018 §4.2: version, reserved, timestamp, hash. */
export const SERVER_COOKIE_SIZE = 16;

/** RFC 9018 §4.3: older cookies are expired, cookies from further in the future are bogus. */
const MAX_AGE = 3600;
const MAX_AHEAD = 300;
/** RFC 9018 §4.3: a cookie older than this is renewed in the reply. */
const RENEW_AGE = 1800;

/** What the client's COOKIE option says (RFC 7873 §5.2). */
export const CookieStatus = {
  /** No COOKIE option: the query is answered as if cookies did not exist (§5.2.1). */
  NONE: 0,
  /**
   * A client cookie without a server cookie, or with one we did not make or that expired
   * (§5.2.3, §5.2.4): answered normally, with a fresh server cookie; not trusted.
   */
  CLIENT: 1,
  /** A server cookie we made for this client and address, still fresh (§5.2.5): trusted. */
  VALID: 2,
} as const;
export type CookieStatus = (typeof CookieStatus)[keyof typeof CookieStatus];

/** A 16-octet secret in hex (the form BIND, Knot and NSD take), as octets; undefined if not one. */
export function parseCookieSecret(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export interface CookieCounters {
  /** Queries with a COOKIE option whose server cookie was valid. */
  valid: number;
  /** Queries with only a client cookie (first contact). */
  clientOnly: number;
  /** Queries whose server cookie was present but not valid (expired, other secret, other address). */
  invalid: number;
}

export interface ServerCookiesOptions {
  /** The current secret (16 octets): new cookies are made with it. */
  readonly secret: Uint8Array;
  /** Earlier secrets whose cookies are still accepted (and renewed with the current one). */
  readonly previous?: readonly Uint8Array[];
  /** Seconds since the epoch; default the system clock. */
  readonly now?: () => number;
}

const systemSeconds = (): number => Math.floor(Date.now() / 1000);

/** Hash input: client cookie (8) | version, reserved, timestamp (8) | address (4 or 16). */
const INPUT_SIZE = CLIENT_COOKIE_SIZE + 8 + 16;
/** Remembered hashes under the current secret (a power of two). */
const MEMO_SLOTS = 256;

export class ServerCookies {
  private current: SipHashKey;
  private previous: SipHashKey[];
  private readonly now: () => number;
  /** Client cookie | version | reserved | timestamp | client address (4 or 16). */
  private readonly input = new Uint8Array(INPUT_SIZE);
  private readonly hash = new Uint8Array(8);
  /** Per slot: an input's length (0: empty), the input, its hash under the current secret. */
  private readonly memoLengths = new Uint8Array(MEMO_SLOTS);
  private readonly memoInputs = new Uint8Array(MEMO_SLOTS * INPUT_SIZE);
  private readonly memoHashes = new Uint8Array(MEMO_SLOTS * 8);
  /** The COOKIE option data to send for the last check(): client cookie, server cookie. */
  readonly reply = new Uint8Array(CLIENT_COOKIE_SIZE + SERVER_COOKIE_SIZE);
  readonly counters: CookieCounters = { valid: 0, clientOnly: 0, invalid: 0 };

  constructor(options: ServerCookiesOptions) {
    this.current = new SipHashKey(options.secret);
    this.previous = (options.previous ?? []).map((s) => new SipHashKey(s));
    this.now = options.now ?? systemSeconds;
  }

  /** RFC 9018 §5: `secret` becomes current; the one it replaces is still accepted. */
  rotate(secret: Uint8Array): void {
    this.previous = [this.current];
    this.current = new SipHashKey(secret);
    this.memoLengths.fill(0);
  }

  /**
   * Checks a COOKIE option from `client` (`option`: its data as a binary string, 8 or 16-40
   * octets, which the decoder has checked) and leaves the option to answer with in `reply`.
   */
  check(option: string, client: string): CookieStatus {
    const input = this.input;
    const reply = this.reply;
    for (let i = 0; i < CLIENT_COOKIE_SIZE; i++) input[i] = reply[i] = option.charCodeAt(i);
    const addressLength = clientAddressOctets(client, input, 16);
    const inputLength = 16 + addressLength;
    const now = this.now() >>> 0;
    if (option.length === CLIENT_COOKIE_SIZE) {
      this.counters.clientOnly++;
      this.make(now, inputLength);
      return CookieStatus.CLIENT;
    }
    const key = this.verify(option, now, inputLength);
    if (key === undefined) {
      this.counters.invalid++;
      this.make(now, inputLength);
      return CookieStatus.CLIENT;
    }
    this.counters.valid++;
    const age = (now - readU32(option, 12)) | 0;
    if (key === this.current && age < RENEW_AGE) {
      for (let i = CLIENT_COOKIE_SIZE; i < reply.length; i++) reply[i] = option.charCodeAt(i);
    } else {
      this.make(now, inputLength);
    }
    return CookieStatus.VALID;
  }

  /** The key whose hash the option's server cookie carries, if it is ours, fresh and whole. */
  private verify(option: string, now: number, inputLength: number): SipHashKey | undefined {
    if (option.length !== CLIENT_COOKIE_SIZE + SERVER_COOKIE_SIZE || option.charCodeAt(8) !== 1) return undefined;
    // RFC 1982 arithmetic: the difference as a signed 32-bit number.
    const age = (now - readU32(option, 12)) | 0;
    if (age > MAX_AGE || age < -MAX_AHEAD) return undefined;
    // The hash covers the version, reserved and timestamp octets as received.
    const input = this.input;
    for (let i = CLIENT_COOKIE_SIZE; i < 16; i++) input[i] = option.charCodeAt(i);
    if (this.matches(this.current, option, inputLength)) return this.current;
    for (const key of this.previous) if (this.matches(key, option, inputLength)) return key;
    return undefined;
  }

  private matches(key: SipHashKey, option: string, inputLength: number): boolean {
    const hash = this.hash;
    if (key === this.current) this.hashCurrent(inputLength, hash, 0);
    else siphash24(key, this.input, inputLength, hash);
    // Every octet compared, whatever differs: no early exit to time.
    let diff = 0;
    for (let i = 0; i < 8; i++) diff |= hash[i]! ^ option.charCodeAt(16 + i);
    return diff === 0;
  }

  /** A new server cookie (version 1, reserved 0, `now`) into reply[8, 24). */
  private make(now: number, inputLength: number): void {
    const input = this.input;
    const reply = this.reply;
    input[8] = 1;
    input[9] = input[10] = input[11] = 0;
    input[12] = now >>> 24;
    input[13] = (now >>> 16) & 0xff;
    input[14] = (now >>> 8) & 0xff;
    input[15] = now & 0xff;
    for (let i = CLIENT_COOKIE_SIZE; i < 16; i++) reply[i] = input[i]!;
    this.hashCurrent(inputLength, reply, 16);
  }

  /** SipHash of input[0, inputLength) under the current secret into out[at, at + 8), remembered. */
  private hashCurrent(inputLength: number, out: Uint8Array, at: number): void {
    const input = this.input;
    // The slot: octets that differ between clients and between seconds.
    const slot = (input[0]! ^ input[5]! ^ input[15]! ^ (input[inputLength - 1]! << 1) ^ (input[14]! << 3)) & (MEMO_SLOTS - 1);
    const from = slot * INPUT_SIZE;
    const inputs = this.memoInputs;
    const hashes = this.memoHashes;
    let same = this.memoLengths[slot] === inputLength;
    for (let i = 0; same && i < inputLength; i++) same = inputs[from + i] === input[i];
    if (!same) {
      siphash24(this.current, input, inputLength, hashes, slot * 8);
      for (let i = 0; i < inputLength; i++) inputs[from + i] = input[i]!;
      this.memoLengths[slot] = inputLength;
    }
    for (let i = 0; i < 8; i++) out[at + i] = hashes[slot * 8 + i]!;
  }
}

function readU32(s: string, at: number): number {
  return ((s.charCodeAt(at) << 24) | (s.charCodeAt(at + 1) << 16) | (s.charCodeAt(at + 2) << 8) | s.charCodeAt(at + 3)) >>> 0;
}
