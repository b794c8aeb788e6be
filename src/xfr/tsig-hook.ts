// The TSIG module behind transfer.ts's TsigHook: verifies the TSIG of an AXFR/IXFR request, builds
// the RFC 8945 §5.2 error reply when it does not verify, and signs every message of the answer
// with the MACs chained (RFC 8945 §5.3.1).

import { buildErrorResponse, type DecodedQuery } from '../wire/index.js';
import type { TsigCheck, TsigHook } from './transfer.js';
import type { KeyLookup } from './tsig-keys.js';
import { appendTsigError, tsigSize, TsigStreamSigner, verifyRequest } from './tsig.js';

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
