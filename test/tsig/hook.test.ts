// createTsigHook: the TSIG module behind the request paths' TsigHook (tsig/hook.ts).

import { describe, expect, it } from '@jest/globals';
import { RRType } from '../../src/dns/constants.js';
import { nameFromText } from '../../src/dns/name.js';
import { decodeQuery, encodeResponse, type DecodedQuery } from '../../src/wire/index.js';
import { createTsigHook } from '../../src/tsig/hook.js';
import { parseTsigKey, TsigKeyring } from '../../src/tsig/keys.js';
import { locateTsig, readTsigRdata } from '../../src/tsig/wire.js';
import { signRequest, tsigSize, TsigStreamVerifier } from '../../src/tsig/tsig.js';
import { query, rd, rr } from '../wire/helpers.js';

const NOW = 1_700_000_000;
const key = parseTsigKey('xfr.example.', 'hmac-sha256', Buffer.alloc(32, 7).toString('base64'));
const other = parseTsigKey('xfr.example.', 'hmac-sha256', Buffer.alloc(32, 8).toString('base64'));

function decoded(msg: Buffer): DecodedQuery {
  const d = decodeQuery(msg);
  if (d.kind !== 'query') throw new Error(d.reason);
  return d;
}

function axfrMessage(i: number): Buffer {
  return encodeResponse(
    {
      id: 0x1111,
      opcode: 0,
      flags: { aa: true, rd: false, ad: false, cd: false },
      rcode: 0,
      question: { name: nameFromText('example.com.'), qtype: RRType.AXFR, qclass: 1 },
      answer: [[rr(`h${i}.example.com.`, RRType.A, 300, rd.a('192.0.2.1'))]],
    },
    65535,
  );
}

describe('createTsigHook', () => {
  const signed = signRequest(query({ id: 0x1111, qname: 'example.com.', qtype: RRType.AXFR }), key, NOW);

  it('unsigned request: unsigned', () => {
    const msg = query({ qname: 'example.com.', qtype: RRType.AXFR });
    expect(createTsigHook(new TsigKeyring([key]), { now: () => NOW }).verifyRequest(msg, decoded(msg))).toEqual({ kind: 'unsigned' });
  });

  it('valid: the key name, the reserve, and a signer that chains every message', () => {
    const check = createTsigHook(new TsigKeyring([key]), { now: () => NOW }).verifyRequest(signed.message, decoded(signed.message));
    if (check.kind !== 'valid') throw new Error(check.kind);
    expect(check.keyName).toBe(key.name);
    expect(check.reserve).toBe(tsigSize(key));
    const v = new TsigStreamVerifier(key, signed.mac);
    for (let i = 0; i < 3; i++) {
      const m = axfrMessage(i);
      const s = check.sign(m, i);
      expect(s.length).toBe(m.length + check.reserve);
      expect(v.verify(s, NOW)).toMatchObject({ ok: true, signed: true });
    }
    expect(v.finish().ok).toBe(true);
  });

  it('invalid: NOTAUTH with the TSIG error RR (BADSIG unsigned, BADTIME signed)', () => {
    const bad = createTsigHook(new TsigKeyring([other]), { now: () => NOW }).verifyRequest(signed.message, decoded(signed.message));
    if (bad.kind !== 'invalid') throw new Error(bad.kind);
    expect(bad.reason).toMatch(/^BADSIG: /);
    expect(bad.reply[3]! & 0x0f).toBe(9);
    expect(bad.reply.readUInt16BE(0)).toBe(0x1111);
    const loc = locateTsig(bad.reply);
    if (loc.kind !== 'tsig') throw new Error('no TSIG');
    expect(readTsigRdata(bad.reply, loc.pos)).toMatchObject({ error: 16, mac: Buffer.alloc(0) });

    const late = createTsigHook(new TsigKeyring([key]), { now: () => NOW + 1000 }).verifyRequest(signed.message, decoded(signed.message));
    if (late.kind !== 'invalid') throw new Error(late.kind);
    const l = locateTsig(late.reply);
    if (l.kind !== 'tsig') throw new Error('no TSIG');
    expect(readTsigRdata(late.reply, l.pos)).toMatchObject({ error: 18, timeSigned: NOW });
  });
});
