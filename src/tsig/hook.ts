// What the request paths (a signed query, AXFR/IXFR, NOTIFY) ask of TSIG: verify a request's TSIG,
// build the RFC 8945 §5.2 error reply when it does not verify, and sign every message of the
// answer with the MACs chained (RFC 8945 §5.3.1).

import type { Name } from '../dns/name.js';
import { buildErrorResponse, type DecodedQuery } from '../wire/index.js';
import { TsigKeyring, type KeyLookup } from './keys.js';
import { appendTsigError, tsigSize, TsigStreamSigner, verifyRequest } from './tsig.js';

/**
 * What the TSIG module provides to the request paths. `verifyRequest` checks the TSIG of a
 * request (`query.tsig` says where it sits in `msg`, RFC 8945 §4.3.3).
 */
export interface TsigHook {
  verifyRequest(msg: Uint8Array, query: DecodedQuery): TsigCheck;
}

export type TsigCheck =
  /** No TSIG in the request. */
  | { readonly kind: 'unsigned' }
  /**
   * A valid signature by `keyName`. Every message of the answer must be signed (RFC 8945 §5.3.1):
   * `sign(msg, index)` does it, chaining the MACs; `reserve` octets are left free in each message.
   */
  | { readonly kind: 'valid'; readonly keyName: Name; readonly reserve: number; readonly sign: (msg: Buffer, index: number) => Buffer }
  /** A TSIG that does not verify: send `reply` (NOTAUTH with BADKEY/BADSIG/BADTIME, RFC 8945 §5.2). */
  | { readonly kind: 'invalid'; readonly reply: Buffer; readonly reason: string };

export interface TsigHookOptions {
  /** Seconds since the epoch; default the system clock. */
  readonly now?: () => number;
}

const systemNow = (): number => Math.floor(Date.now() / 1000);

export function createTsigHook(keys: KeyLookup, options: TsigHookOptions = {}): TsigHook {
  const now = options.now ?? systemNow;
  return {
    verifyRequest(msg: Uint8Array, query: DecodedQuery): TsigCheck {
      if (query.tsig === undefined) return { kind: 'unsigned' };
      const v = verifyRequest(msg, query.tsig, keys, now());
      if (!v.ok) {
        // NOTAUTH (FORMERR) with the TSIG RR RFC 8945 §5.3.2 asks for: unsigned for BADKEY and
        // BADSIG, signed for BADTIME and BADTRUNC, none for FORMERR. The reply is header-sized.
        return { kind: 'invalid', reply: appendTsigError(buildErrorResponse(query, v.rcode), v.reply), reason: `${v.kind.toUpperCase()}: ${v.reason}` };
      }
      let signer: TsigStreamSigner | undefined;
      return {
        kind: 'valid',
        keyName: v.key.name,
        reserve: tsigSize(v.key),
        sign: (m: Buffer, index: number): Buffer => {
          // Message 0 starts the chain over the request MAC; the others continue it.
          if (index === 0 || signer === undefined) signer = new TsigStreamSigner({ key: v.key, requestMac: v.requestMac });
          return signer.sign(m, now());
        },
      };
    },
  };
}

/**
 * The hook when no keys are configured: a signed request names a key we do not have, which
 * RFC 8945 §5.2.2 answers NOTAUTH + BADKEY (as Knot, NSD and BIND do), never as if unsigned.
 */
export const NO_TSIG_KEYS: TsigHook = createTsigHook(new TsigKeyring());
