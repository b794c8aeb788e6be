// TSIG (RFC 8945) without peers: known answers captured from dnspython (fixed clock), round trips,
// tampering, the RFC 8945 §5.2 error handling, truncation, streams of messages.
// The live interop tests are in tsig-dnspython.test.ts and tsig-dig.test.ts.

import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { RRType } from '../../src/dns/constants.js';
import { nameFromText } from '../../src/dns/name.js';
import { decodeQuery, type TsigPosition } from '../../src/wire/query.js';
import { encodeResponse } from '../../src/wire/writer.js';
import { parseTsigKey, TSIG_ALGORITHMS, TsigKeyring, type TsigAlgorithm, type TsigKey } from '../../src/tsig/keys.js';
import { locateTsig, readTsigRdata } from '../../src/tsig/wire.js';
import {
  appendTsigError,
  DEFAULT_FUDGE,
  MAX_UNSIGNED_MESSAGES,
  signRequest,
  signResponse,
  TsigError,
  tsigErrorReplySize,
  tsigSize,
  TsigStreamSigner,
  TsigStreamVerifier,
  verifyRequest,
  verifyResponse,
  type TsigVerified,
  type TsigVerifyFailure,
} from '../../src/tsig/tsig.js';
import { query, rd, rr } from '../wire/helpers.js';

const fromHex = (h: string): Buffer => Buffer.from(h, 'hex');
const hex = (b: string | Uint8Array): string => (typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from(b)).toString('hex');
const ALGS = Object.keys(TSIG_ALGORITHMS) as TsigAlgorithm[];
const NOW = 1_700_000_000;

function secretFor(alg: TsigAlgorithm, seed = 1): string {
  const len = TSIG_ALGORITHMS[alg].size;
  return Buffer.from(Array.from({ length: len }, (_, i) => (i * 7 + seed) & 0xff)).toString('base64');
}
function keyFor(alg: TsigAlgorithm, name = 'xfr-key.example.', seed = 1): TsigKey {
  return parseTsigKey(name, alg, secretFor(alg, seed));
}

/** TsigPosition of a query, through the real decoder. */
function tsigOf(msg: Uint8Array): TsigPosition {
  const d = decodeQuery(msg);
  if (d.kind !== 'query' || d.tsig === undefined) throw new Error(`no TSIG query: ${JSON.stringify(d)}`);
  return d.tsig;
}

/** The message without its TSIG RR (ARCOUNT one less), as it was before signing. */
function stripTsig(msg: Buffer): Buffer {
  const loc = locateTsig(msg);
  if (loc.kind !== 'tsig') throw new Error('no TSIG');
  const out = Buffer.from(msg.subarray(0, loc.pos.offset));
  out.writeUInt16BE(out.readUInt16BE(10) - 1, 10);
  return out;
}

/** Rewrites the MAC (and MAC size, RDLENGTH) of the TSIG RR at the end of `msg`. */
function withMac(msg: Buffer, mac: Buffer): Buffer {
  const loc = locateTsig(msg);
  if (loc.kind !== 'tsig') throw new Error('no TSIG');
  const rdata = readTsigRdata(msg, loc.pos);
  if (typeof rdata === 'string') throw new Error(rdata);
  const macStart = rdata.mac.byteOffset - msg.byteOffset;
  const before = Buffer.from(msg.subarray(0, macStart));
  before.writeUInt16BE(mac.length, macStart - 2);
  const out = Buffer.concat([before, mac, msg.subarray(macStart + rdata.mac.length)]);
  out.writeUInt16BE(loc.pos.rdataLength - rdata.mac.length + mac.length, loc.pos.rdataOffset - 2);
  return out;
}

function response(id: number, i = 0, qtype: number = RRType.SOA): Buffer {
  return encodeResponse(
    {
      id,
      opcode: 0,
      flags: { aa: true, rd: false, ad: false, cd: false },
      rcode: 0,
      question: { name: nameFromText('example.com.'), qtype, qclass: 1 },
      answer: [[rr(`h${i}.example.com.`, RRType.A, 300, rd.a(`192.0.2.${i + 1}`))]],
    },
    65535,
  );
}

function expectOk(r: ReturnType<typeof verifyRequest>): TsigVerified {
  if (!r.ok) throw new Error(`expected ok, got ${r.kind}: ${r.reason}`);
  return r;
}
function expectFail(r: ReturnType<typeof verifyRequest>, kind: TsigVerifyFailure['kind']): TsigVerifyFailure {
  if (r.ok) throw new Error(`expected ${kind}, got ok`);
  expect(`${r.kind}: ${r.reason}`).toMatch(new RegExp(`^${kind}:`));
  return r;
}

// Captured from dnspython 2.3 (dns.message with TSIG, time.time() pinned): see tsig-dnspython.test.ts
// for the live versions of the same exchanges.
const KAT = {
  'hmac-sha256': {
    secret: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
    query:
      '123401000001000000000001076578616d706c6503636f6d0000060001076b61742d6b6579076578616d706c650000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c0020eda8a033759d4fb1e7b258f6a4a9a643656cbef76e24be26f96f3229387c4260123400000000',
    queryMac: 'eda8a033759d4fb1e7b258f6a4a9a643656cbef76e24be26f96f3229387c4260',
    response:
      '123481000001000100000001076578616d706c6503636f6d0000060001c00c000100010000012c0004c0000201076b61742d6b6579076578616d706c650000fa00ff00000000003d0b686d61632d7368613235360000006553f101012c0020094f7e30abc5ad56c7ffdee714a55f464d3122c8eda146a737d669924d2aa1cd123400000000',
    responseMac: '094f7e30abc5ad56c7ffdee714a55f464d3122c8eda146a737d669924d2aa1cd',
  },
  'hmac-md5': {
    secret: 'AAECAwQFBgcICQoLDA0ODw==',
    query:
      '123401000001000000000001076578616d706c6503636f6d0000060001076b61742d6b6579076578616d706c650000fa00ff00000000003a08484d41432d4d4435075349472d414c470352454703494e540000006553f100012c00104b205dd593aad471d55ddc9e571cc4bb123400000000',
    queryMac: '4b205dd593aad471d55ddc9e571cc4bb',
    response:
      '123481000001000100000001076578616d706c6503636f6d0000060001c00c000100010000012c0004c0000201076b61742d6b6579076578616d706c650000fa00ff00000000003a08484d41432d4d4435075349472d414c470352454703494e540000006553f101012c0010b27693101abbf53c2a425a87d7b977d4123400000000',
    responseMac: 'b27693101abbf53c2a425a87d7b977d4',
  },
} as const;
const KAT_STREAM = {
  query:
    '010101000001000000000001076578616d706c6503636f6d0000fc0001076b61742d6b6579076578616d706c650000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c002083b131efa1e18463dc449a446d1a1f4b6278c433b0dc0dc1961100440df8c13a010100000000',
  queryMac: '83b131efa1e18463dc449a446d1a1f4b6278c433b0dc0dc1961100440df8c13a',
  messages: [
    '010181000001000100000001076578616d706c6503636f6d0000fc0001026830c00c000100010000012c0004c0000201076b61742d6b6579076578616d706c650000fa00ff00000000003d0b686d61632d7368613235360000006553f102012c00207065fe0c40d9a5e1eec07a8cced6504a57e1f21c8344bb7f2a4fefdb67dd9f79010100000000',
    '010181000001000100000001076578616d706c6503636f6d0000fc0001026831c00c000100010000012c0004c0000202076b61742d6b6579076578616d706c650000fa00ff00000000003d0b686d61632d7368613235360000006553f103012c00202483df06c46d5fdaa44d40825ec3ac86958fbb3638abd08a0930e615bb3910d7010100000000',
    '010181000001000100000001076578616d706c6503636f6d0000fc0001026832c00c000100010000012c0004c0000203076b61742d6b6579076578616d706c650000fa00ff00000000003d0b686d61632d7368613235360000006553f104012c002062a23c8efa297db54f6b51131522b3adc78d3927de7938e5472cc4112fef9aeb010100000000',
  ],
};

describe('known answers (dnspython, pinned clock)', () => {
  for (const alg of ['hmac-sha256', 'hmac-md5'] as const) {
    const k = KAT[alg];
    const key = parseTsigKey('kat-key.example.', alg, k.secret);

    it(`${alg}: verifies dnspython's query and response`, () => {
      const q = fromHex(k.query);
      const v = expectOk(verifyRequest(q, tsigOf(q), new TsigKeyring([key]), 1_700_000_000));
      expect(hex(v.requestMac)).toBe(k.queryMac);
      expect(v.timeSigned).toBe(1_700_000_000);
      const r = verifyResponse(fromHex(k.response), key, v.requestMac, 1_700_000_001);
      expect(r).toEqual({ ok: true, signed: true, mac: fromHex(k.responseMac).toString('latin1'), timeSigned: 1_700_000_001 });
    });

    it(`${alg}: re-signing the stripped messages gives dnspython's MACs`, () => {
      const q = signRequest(stripTsig(fromHex(k.query)), key, 1_700_000_000);
      expect(hex(q.mac)).toBe(k.queryMac);
      const r = signResponse(stripTsig(fromHex(k.response)), { key, requestMac: q.mac, timeSigned: 1_700_000_001 }, true);
      expect(hex(r.mac)).toBe(k.responseMac);
      // Byte for byte, except that dnspython writes HMAC-MD5.SIG-ALG.REG.INT in upper case.
      if (alg === 'hmac-sha256') {
        expect(hex(q.message)).toBe(k.query);
        expect(hex(r.message)).toBe(k.response);
      } else {
        expect(hex(q.message)).toBe(k.query.replace('08484d41432d4d4435075349472d414c470352454703494e5400', '08686d61632d6d6435077369672d616c670372656703696e7400'));
      }
    });
  }

  const key = parseTsigKey('kat-key.example.', 'hmac-sha256', KAT['hmac-sha256'].secret);
  it('a 3-message AXFR stream from dnspython verifies, and we sign it identically', () => {
    const q = fromHex(KAT_STREAM.query);
    const v = expectOk(verifyRequest(q, tsigOf(q), new TsigKeyring([key]), 1_700_000_000));
    const verifier = new TsigStreamVerifier(key, v.requestMac);
    KAT_STREAM.messages.forEach((m, i) => {
      expect(verifier.verify(fromHex(m), 1_700_000_002 + i)).toMatchObject({ ok: true, signed: true });
    });
    expect(verifier.finish()).toMatchObject({ ok: true });

    const signer = new TsigStreamSigner({ key, requestMac: v.requestMac });
    KAT_STREAM.messages.forEach((m, i) => {
      expect(hex(signer.sign(stripTsig(fromHex(m)), 1_700_000_002 + i))).toBe(m);
    });
  });

  it('the messages of the stream only verify in order', () => {
    const v = new TsigStreamVerifier(key, fromHex(KAT_STREAM.queryMac).toString('latin1'));
    expect(v.verify(fromHex(KAT_STREAM.messages[0]!), 1_700_000_002).ok).toBe(true);
    expect(v.verify(fromHex(KAT_STREAM.messages[2]!), 1_700_000_004)).toMatchObject({ ok: false, kind: 'badsig' });
    // A failure is final.
    expect(v.verify(fromHex(KAT_STREAM.messages[1]!), 1_700_000_003)).toMatchObject({ ok: false, kind: 'badsig' });
    expect(v.finish()).toMatchObject({ ok: false });
  });
});

describe('sign and verify round trips', () => {
  for (const alg of ALGS) {
    it(`${alg}: request, response, and the MAC sizes`, () => {
      const key = keyFor(alg);
      const signed = signRequest(query({ id: 0x7777, qname: 'example.com.', qtype: RRType.SOA }), key, NOW);
      expect(signed.mac.length).toBe(TSIG_ALGORITHMS[alg].size);
      expect(signed.message.readUInt16BE(10)).toBe(1);
      const v = expectOk(verifyRequest(signed.message, tsigOf(signed.message), new TsigKeyring([key]), NOW + 10));
      expect(v.key).toBe(key);
      expect(v.requestMac).toBe(signed.mac);
      expect(v.originalId).toBe(0x7777);

      const resp = encodeResponse(
        { id: 0x7777, opcode: 0, flags: { aa: true, rd: false, ad: false, cd: false }, rcode: 0, question: { name: nameFromText('example.com.'), qtype: 6, qclass: 1 }, reserve: tsigSize(key) },
        512,
      );
      const r = signResponse(resp, v.reply, true);
      expect(r.message.length).toBe(resp.length + tsigSize(key));
      expect(verifyResponse(r.message, key, signed.mac, NOW + 20)).toMatchObject({ ok: true, signed: true, mac: r.mac });
      // The response MAC covers the request MAC.
      expect(verifyResponse(r.message, key, 'x'.repeat(signed.mac.length), NOW + 20)).toMatchObject({ ok: false, kind: 'badsig' });
    });
  }

  it('key names and algorithm names compare case-insensitively, and the digest uses them lower-cased', () => {
    const upper = parseTsigKey('XFR-Key.EXAMPLE.', 'HMAC-SHA256', secretFor('hmac-sha256'));
    const lower = keyFor('hmac-sha256');
    const signed = signRequest(query(), upper, NOW);
    expect(signed.message.includes(Buffer.from('XFR-Key'))).toBe(true);
    expect(expectOk(verifyRequest(signed.message, tsigOf(signed.message), new TsigKeyring([lower]), NOW)).key).toBe(lower);
  });

  it('a changed message ID still verifies: the MAC covers the Original ID (RFC 8945 §4.3.3)', () => {
    const key = keyFor('hmac-sha256');
    const signed = signRequest(query({ id: 1 }), key, NOW);
    const forwarded = Buffer.from(signed.message);
    forwarded.writeUInt16BE(0xbeef, 0);
    expect(expectOk(verifyRequest(forwarded, tsigOf(forwarded), new TsigKeyring([key]), NOW)).originalId).toBe(1);
  });

  it('time signed beyond 32 bits (the 48-bit field)', () => {
    const key = keyFor('hmac-sha256');
    const t = 2 ** 32 + 12345;
    const signed = signRequest(query(), key, t);
    const pos = tsigOf(signed.message);
    const rdata = readTsigRdata(signed.message, pos);
    expect(typeof rdata !== 'string' && rdata.timeSigned).toBe(t);
    expect(expectOk(verifyRequest(signed.message, pos, new TsigKeyring([key]), t)).timeSigned).toBe(t);
  });

  it('other data and a non-zero error are covered by the MAC', () => {
    const key = keyFor('hmac-sha1');
    const resp = response(9);
    const r = signResponse(resp, { key, requestMac: 'm'.repeat(20), timeSigned: NOW, otherData: 'abcdef', error: 0 }, true);
    const loc = locateTsig(r.message);
    expect(loc.kind).toBe('tsig');
    expect(verifyResponse(r.message, key, 'm'.repeat(20), NOW)).toMatchObject({ ok: true });
    const tampered = Buffer.from(r.message);
    tampered[tampered.length - 1] ^= 1;
    expect(verifyResponse(tampered, key, 'm'.repeat(20), NOW)).toMatchObject({ ok: false, kind: 'badsig' });
  });
});

describe('tampering: every octet of a signed query matters', () => {
  for (const alg of ['hmac-sha256', 'hmac-md5'] as const) {
    it(`${alg}: flipping the low bit of any octet but the ID fails verification`, () => {
      const key = keyFor(alg);
      const keys = new TsigKeyring([key]);
      const signed = signRequest(query({ qname: 'www.example.com.', edns: { udpSize: 1232 } }), key, NOW);
      expect(verifyRequest(signed.message, tsigOf(signed.message), keys, NOW).ok).toBe(true);
      let rejected = 0;
      // Bytes 0-1 are the ID, which the MAC replaces with the Original ID (see above).
      for (let i = 2; i < signed.message.length; i++) {
        const t = Buffer.from(signed.message);
        t[i] ^= 0x01;
        const d = decodeQuery(t);
        const ok = d.kind === 'query' && d.tsig !== undefined && verifyRequest(t, d.tsig, keys, NOW).ok;
        if (ok) throw new Error(`flipping octet ${i} of ${signed.message.length} went unnoticed`);
        rejected++;
      }
      expect(rejected).toBe(signed.message.length - 2);
    });
  }

  it('every octet of a signed response and of each message of a stream', () => {
    const key = keyFor('hmac-sha384');
    const signer = new TsigStreamSigner({ key, requestMac: 'R'.repeat(48) });
    const msgs = [0, 1, 2].map((i) => signer.sign(response(3, i, RRType.AXFR), NOW + i));
    for (let m = 0; m < msgs.length; m++) {
      for (let i = 2; i < msgs[m]!.length; i++) {
        const v = new TsigStreamVerifier(key, 'R'.repeat(48));
        const all = msgs.map((x, j) => {
          if (j !== m) return x;
          const t = Buffer.from(x);
          t[i] ^= 0x01;
          return t;
        });
        const results = all.map((x, j) => v.verify(x, NOW + j));
        if (results.every((r) => r.ok) && v.finish().ok) throw new Error(`message ${m}, octet ${i}: tampering went unnoticed`);
      }
    }
  });

  it('a tampered MAC fails, whichever octet', () => {
    const key = keyFor('hmac-sha224');
    const signed = signRequest(query(), key, NOW);
    const mac = Buffer.from(signed.mac, 'latin1');
    for (let i = 0; i < mac.length; i++) {
      const bad = Buffer.from(mac);
      bad[i] ^= 0x80;
      const t = withMac(signed.message, bad);
      expectFail(verifyRequest(t, tsigOf(t), new TsigKeyring([key]), NOW), 'badsig');
    }
  });
});

describe('RFC 8945 §5.2 errors', () => {
  const key = keyFor('hmac-sha256');
  const keys = new TsigKeyring([key]);
  const signed = signRequest(query({ id: 0x5151 }), key, NOW);

  it('the codes', () => {
    expect(TsigError).toEqual({ NOERROR: 0, BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 });
    expect(DEFAULT_FUDGE).toBe(300);
    expect(MAX_UNSIGNED_MESSAGES).toBe(99);
  });

  it('unknown key: NOTAUTH + BADKEY, with an unsigned TSIG (MAC size 0)', () => {
    const f = expectFail(verifyRequest(signed.message, tsigOf(signed.message), new TsigKeyring([keyFor('hmac-sha256', 'other.')]), NOW), 'badkey');
    expect([f.rcode, f.tsigError]).toEqual([9, 17]);
    expect(f.reply).toMatchObject({ kind: 'unsigned', error: 17, keyName: nameFromText('xfr-key.example.'), algorithm: nameFromText('hmac-sha256.') });
    const resp = appendTsigError(response(0x5151), f.reply);
    expect(resp.length).toBe(response(0x5151).length + tsigErrorReplySize(f.reply));
    const loc = locateTsig(resp);
    if (loc.kind !== 'tsig') throw new Error('no TSIG');
    const rdata = readTsigRdata(resp, loc.pos);
    expect(rdata).toMatchObject({ error: 17, mac: Buffer.alloc(0), originalId: 0x5151, timeSigned: NOW, fudge: 300 });
    // The client side sees the peer's error.
    expect(verifyResponse(resp, key, signed.mac, NOW)).toMatchObject({ ok: false, kind: 'peer-error', peerError: 17 });
  });

  it('the key exists under another algorithm: BADKEY', () => {
    const other = parseTsigKey('xfr-key.example.', 'hmac-sha512', secretFor('hmac-sha512'));
    expectFail(verifyRequest(signed.message, tsigOf(signed.message), new TsigKeyring([other]), NOW), 'badkey');
  });

  it('wrong secret: NOTAUTH + BADSIG, unsigned', () => {
    const f = expectFail(verifyRequest(signed.message, tsigOf(signed.message), new TsigKeyring([keyFor('hmac-sha256', 'xfr-key.example.', 2)]), NOW), 'badsig');
    expect([f.rcode, f.tsigError, f.reply.kind]).toEqual([9, 16, 'unsigned']);
  });

  it('time: within the fudge either way, BADTIME one second beyond; the reply is signed with our time in Other Data', () => {
    const pos = tsigOf(signed.message);
    expect(verifyRequest(signed.message, pos, keys, NOW + 300).ok).toBe(true);
    expect(verifyRequest(signed.message, pos, keys, NOW - 300).ok).toBe(true);
    expectFail(verifyRequest(signed.message, pos, keys, NOW - 301), 'badtime');
    const f = expectFail(verifyRequest(signed.message, pos, keys, NOW + 301), 'badtime');
    expect([f.rcode, f.tsigError]).toEqual([9, 18]);
    if (f.reply.kind !== 'signed') throw new Error('BADTIME must be signed');
    expect(f.reply.ctx).toMatchObject({ key, requestMac: signed.mac, timeSigned: NOW, error: 18 });
    const resp = appendTsigError(response(0x5151), f.reply);
    expect(resp.length).toBe(response(0x5151).length + tsigErrorReplySize(f.reply));
    // Our client side verifies the MAC, then reports the peer's BADTIME and its clock.
    expect(verifyResponse(resp, key, signed.mac, NOW)).toMatchObject({ ok: false, kind: 'peer-error', peerError: 18, peerTime: NOW + 301 });
    const forged = Buffer.from(resp);
    forged[forged.length - 1] ^= 1; // the server time in Other Data
    expect(verifyResponse(forged, key, signed.mac, NOW)).toMatchObject({ ok: false, kind: 'badsig' });
  });

  it('a bad MAC is BADSIG even when the time is also wrong (MAC is checked first)', () => {
    const t = withMac(signed.message, Buffer.alloc(32, 1));
    expectFail(verifyRequest(t, tsigOf(t), keys, NOW + 10_000), 'badsig');
  });

  it('FORMERR, with no TSIG in the reply: class, TTL, unreadable RDATA, compressed algorithm name', () => {
    const pos = tsigOf(signed.message);
    for (const p of [{ ...pos, class: 1 }, { ...pos, ttl: 5 }, { ...pos, rdataLength: pos.rdataLength - 1 }, { ...pos, rdataLength: 8 }]) {
      const f = expectFail(verifyRequest(signed.message, p, keys, NOW), 'formerr');
      expect([f.rcode, f.tsigError, f.reply]).toEqual([1, 0, { kind: 'none' }]);
      expect(appendTsigError(response(1), f.reply).equals(response(1))).toBe(true);
    }
    // The algorithm name as a compression pointer to the key name's "example." suffix.
    const t = Buffer.from(signed.message);
    t[pos.rdataOffset] = 0xc0;
    t[pos.rdataOffset + 1] = 12;
    expect(expectFail(verifyRequest(t, pos, keys, NOW), 'formerr').reason).toMatch(/compressed/);
  });
});

describe('truncated MACs (RFC 8945 §5.2.2.1)', () => {
  const cases: [TsigAlgorithm, number][] = [
    ['hmac-md5', 10],
    ['hmac-sha1', 10],
    ['hmac-sha224', 14],
    ['hmac-sha256', 16],
    ['hmac-sha384', 24],
    ['hmac-sha512', 32],
  ];
  for (const [alg, min] of cases) {
    it(`${alg}: accepted from ${min} octets up to the full ${TSIG_ALGORITHMS[alg].size}; shorter or longer is FORMERR`, () => {
      const key = keyFor(alg);
      const keys = new TsigKeyring([key]);
      const signed = signRequest(query(), key, NOW);
      const full = Buffer.from(signed.mac, 'latin1');
      expect(TSIG_ALGORITHMS[alg].minSize).toBe(min);
      for (let len = min; len <= full.length; len++) {
        const t = withMac(signed.message, full.subarray(0, len));
        const v = expectOk(verifyRequest(t, tsigOf(t), keys, NOW));
        expect(v.requestMac).toBe(full.subarray(0, len).toString('latin1'));
      }
      for (const len of [0, 1, min - 1]) {
        const t = withMac(signed.message, full.subarray(0, len));
        expect(expectFail(verifyRequest(t, tsigOf(t), keys, NOW), 'formerr').reply).toEqual({ kind: 'none' });
      }
      const long = withMac(signed.message, Buffer.concat([full, Buffer.from([0])]));
      expectFail(verifyRequest(long, tsigOf(long), keys, NOW), 'formerr');
      // A wrong truncated MAC is still BADSIG.
      const wrong = Buffer.from(full.subarray(0, min));
      wrong[min - 1] ^= 1;
      const t = withMac(signed.message, wrong);
      expectFail(verifyRequest(t, tsigOf(t), keys, NOW), 'badsig');
    });
  }

  it('a key declared truncated signs short MACs, and answers shorter ones with BADTRUNC (signed)', () => {
    const k128 = parseTsigKey('t.example.', 'hmac-sha256-128', secretFor('hmac-sha256'));
    const k192 = parseTsigKey('t.example.', 'hmac-sha256-192', secretFor('hmac-sha256'));
    const full = parseTsigKey('t.example.', 'hmac-sha256', secretFor('hmac-sha256'));
    const signed = signRequest(query(), k128, NOW);
    expect(signed.mac.length).toBe(16);
    expect(expectOk(verifyRequest(signed.message, tsigOf(signed.message), new TsigKeyring([full]), NOW)).requestMac).toBe(signed.mac);
    const f = expectFail(verifyRequest(signed.message, tsigOf(signed.message), new TsigKeyring([k192]), NOW), 'badtrunc');
    expect([f.rcode, f.tsigError, f.reply.kind]).toEqual([9, 22, 'signed']);
    const resp = appendTsigError(response(0x1234), f.reply);
    expect(verifyResponse(resp, k128, signed.mac, NOW)).toMatchObject({ ok: false, kind: 'peer-error', peerError: 22 });
    // The response to a truncated request covers the truncated request MAC.
    const v = expectOk(verifyRequest(signed.message, tsigOf(signed.message), new TsigKeyring([k128]), NOW));
    const r = signResponse(response(0x1234), v.reply, true);
    expect(r.mac.length).toBe(16);
    expect(verifyResponse(r.message, full, signed.mac, NOW)).toMatchObject({ ok: true });
  });
});

describe('multi-message streams (RFC 8945 §5.3.1)', () => {
  const key = keyFor('hmac-sha256');
  const requestMac = 'Q'.repeat(32);
  const msgs = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => response(0x4444, i, RRType.AXFR));

  it('every message signed: the second and later MACs cover only previous MAC, message and timers', () => {
    const signer = new TsigStreamSigner({ key, requestMac });
    const out = msgs(3).map((m, i) => signer.sign(m, NOW + i));
    // The same as signResponse with first=false and the previous MAC.
    const m1 = signResponse(msgs(1)[0]!, { key, requestMac, timeSigned: NOW }, true);
    const m2 = signResponse(msgs(2)[1]!, { key, timeSigned: NOW + 1 }, false, m1.mac);
    expect(out[0]!.equals(m1.message)).toBe(true);
    expect(out[1]!.equals(m2.message)).toBe(true);
    const v = new TsigStreamVerifier(key, requestMac);
    for (const [i, m] of out.entries()) expect(v.verify(m, NOW + i)).toMatchObject({ ok: true, signed: true });
    expect(v.finish()).toMatchObject({ ok: true, mac: signer.mac });
    // Verifying the second alone as a first message fails: different digest.
    expect(verifyResponse(out[1]!, key, requestMac, NOW)).toMatchObject({ ok: false, kind: 'badsig' });
  });

  it('up to 99 unsigned messages in a row are accepted; the 100th is not', () => {
    for (const run of [1, 99]) {
      const signer = new TsigStreamSigner({ key, requestMac });
      const v = new TsigStreamVerifier(key, requestMac);
      expect(v.verify(signer.sign(response(1, 0), NOW), NOW).ok).toBe(true);
      for (let i = 0; i < run; i++) expect(v.verify(signer.pass(response(1, i + 1)), NOW)).toMatchObject({ ok: true, signed: false });
      expect(v.verify(signer.sign(response(1, 200), NOW), NOW)).toMatchObject({ ok: true, signed: true });
      expect(v.finish().ok).toBe(true);
      expect(v.messages).toBe(run + 2);
    }
    const signer = new TsigStreamSigner({ key, requestMac });
    const v = new TsigStreamVerifier(key, requestMac);
    v.verify(signer.sign(response(1, 0), NOW), NOW);
    for (let i = 0; i < 99; i++) v.verify(signer.pass(response(1, i + 1)), NOW);
    expect(() => signer.pass(response(1, 100))).toThrow(/99/);
    expect(v.verify(response(1, 100), NOW)).toMatchObject({ ok: false, kind: 'unsigned' });
  });

  it('an unsigned message that was altered breaks the next MAC', () => {
    const signer = new TsigStreamSigner({ key, requestMac });
    const v = new TsigStreamVerifier(key, requestMac);
    v.verify(signer.sign(response(1, 0), NOW), NOW);
    const middle = Buffer.from(signer.pass(response(1, 1)));
    middle[middle.length - 1] ^= 1;
    expect(v.verify(middle, NOW).ok).toBe(true);
    expect(v.verify(signer.sign(response(1, 2), NOW), NOW)).toMatchObject({ ok: false, kind: 'badsig' });
  });

  it('the first message must be signed, and so must the last', () => {
    expect(new TsigStreamVerifier(key, requestMac).verify(response(1), NOW)).toMatchObject({ ok: false, kind: 'unsigned' });
    expect(new TsigStreamVerifier(key, requestMac).finish()).toMatchObject({ ok: false, kind: 'unsigned' });
    const signer = new TsigStreamSigner({ key, requestMac });
    const v = new TsigStreamVerifier(key, requestMac);
    v.verify(signer.sign(response(1, 0), NOW), NOW);
    v.verify(signer.pass(response(1, 1)), NOW);
    expect(v.finish()).toMatchObject({ ok: false, kind: 'unsigned' });
    expect(() => new TsigStreamSigner({ key, requestMac }).pass(response(1))).toThrow(/first/);
  });

  it('each signed message is time-checked', () => {
    const signer = new TsigStreamSigner({ key, requestMac });
    const v = new TsigStreamVerifier(key, requestMac);
    expect(v.verify(signer.sign(response(1, 0), NOW), NOW).ok).toBe(true);
    expect(v.verify(signer.sign(response(1, 1), NOW + 1000), NOW)).toMatchObject({ ok: false, kind: 'badtime' });
  });

  it('a message signed with another key is refused', () => {
    const signer = new TsigStreamSigner({ key, requestMac });
    const v = new TsigStreamVerifier(key, requestMac);
    v.verify(signer.sign(response(1, 0), NOW), NOW);
    const other = signResponse(response(1, 1), { key: keyFor('hmac-sha256', 'other.'), timeSigned: NOW }, false, signer.mac);
    expect(v.verify(other.message, NOW)).toMatchObject({ ok: false, kind: 'badkey' });
  });
});

describe('sizes and limits', () => {
  it('tsigSize is what signing appends, so encodeResponse({reserve}) + signing stays within the limit', () => {
    for (const alg of ALGS) {
      const key = keyFor(alg);
      const many = Array.from({ length: 60 }, (_, i) => [rr(`host${i}.example.com.`, RRType.A, 300, rd.a('192.0.2.1'))]);
      const resp = encodeResponse(
        { id: 1, opcode: 0, flags: { aa: true, rd: false, ad: false, cd: false }, rcode: 0, question: { name: nameFromText('example.com.'), qtype: 1, qclass: 1 }, answer: many, reserve: tsigSize(key) },
        512,
      );
      const signed = signResponse(resp, { key, requestMac: '', timeSigned: NOW }, true);
      expect(signed.message.length).toBe(resp.length + tsigSize(key));
      expect(signed.message.length).toBeLessThanOrEqual(512);
    }
  });

  it('signing refuses to go past 65535 octets', () => {
    const big = Buffer.alloc(65500);
    expect(() => signRequest(big, keyFor('hmac-sha512'), NOW)).toThrow(/65535/);
  });

  it('locateTsig: none, found, and a TSIG that is not last is malformed', () => {
    expect(locateTsig(response(1)).kind).toBe('none');
    const signed = signRequest(query(), keyFor('hmac-sha256'), NOW);
    expect(locateTsig(signed.message)).toEqual({ kind: 'tsig', pos: tsigOf(signed.message) });
    const twice = signRequest(signed.message, keyFor('hmac-sha256'), NOW).message;
    expect(locateTsig(twice)).toMatchObject({ kind: 'malformed' });
    expect(locateTsig(Buffer.concat([signed.message, Buffer.from([0])]))).toMatchObject({ kind: 'malformed' });
  });
});

describe('structure', () => {
  const src = readFileSync(new URL('../../src/tsig/tsig.ts', import.meta.url), 'utf8');
  it('MACs are compared with crypto.timingSafeEqual only', () => {
    expect(src).toMatch(/import \{[^}]*\btimingSafeEqual\b[^}]*\} from 'node:crypto'/);
    const code = src.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    expect(code.match(/timingSafeEqual\(/g)).toHaveLength(1);
    // No other way of comparing MAC octets.
    expect(code).not.toMatch(/\.equals\(|\.compare\(|[mM]ac\s*[!=]==(?!\s*undefined)|[!=]==\s*\w*[mM]ac\b/);
  });
});
