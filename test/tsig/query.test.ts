// A TSIG-signed ordinary query (a secondary's SOA query before it transfers; BIND, Knot and NSD
// sign it with the key of their primary) is verified first and answered signed (RFC 8945 §5.2,
// §5.3); BIND gives up on an unsigned answer ("expected a TSIG or SIG(0)").

import { describe, expect, it } from '@jest/globals';
import { Rcode, RRType } from '../../src/dns/constants.js';
import { nameToText } from '../../src/dns/name.js';
import type { Logger, LogFields } from '../../src/log.js';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { AnswerCache } from '../../src/server/answer-cache.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { createTsigHook } from '../../src/tsig/hook.js';
import { parseTsigKey, TsigKeyring } from '../../src/tsig/keys.js';
import { locateTsig, readTsigRdata } from '../../src/tsig/wire.js';
import { signRequest, TsigError, verifyResponse } from '../../src/tsig/tsig.js';
import { parseResponse } from '../interop/support/wire.js';
import { zoneFromText } from '../support/zones.js';
import { query } from '../wire/helpers.js';

const NOW = Math.floor(Date.now() / 1000);
const KEY = parseTsigKey('q-key.', 'hmac-sha256', Buffer.alloc(32, 1).toString('base64'));
const WRONG = parseTsigKey('q-key.', 'hmac-sha256', Buffer.alloc(32, 2).toString('base64'));
const UNKNOWN = parseTsigKey('nobody.', 'hmac-sha256', Buffer.alloc(32, 3).toString('base64'));

// 11 TXT of 30 octets: an answer of ~500 octets, which fits 512 alone but not with a TSIG RR.
const many = Array.from({ length: 11 }, (_, i) => `mid TXT "${String(i).padStart(2, '0')}${'x'.repeat(28)}"`).join('\n');
const snap = zoneFromText('q.test', `$TTL 300\n@ SOA ns h 42 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n${many}\n`);

function setup(withCache = false) {
  const registry = new ZoneRegistry();
  registry.set({ origin: snap.origin, snapshot: snap });
  const logs: string[] = [];
  const rec = (level: string) => (msg: string, fields?: LogFields) => { logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`); };
  const log: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
  const ctx: HandlerContext = {
    registry, rotator: new Rotator('none'), maxUdp: 1232, cache: withCache ? new AnswerCache() : undefined,
    xfr: { log, tsig: createTsigHook(new TsigKeyring([KEY])) },
  };
  return { ctx, logs };
}

const tsigError = (m: Buffer) => {
  const loc = locateTsig(m);
  if (loc.kind !== 'tsig') return undefined;
  const rd = readTsigRdata(m, loc.pos);
  return typeof rd === 'string' ? rd : { key: nameToText(loc.pos.keyName), error: rd.error, mac: rd.mac.length };
};

describe('a signed SOA query', () => {
  it('the right key: the answer is signed over the request MAC and is the unsigned answer plus TSIG', () => {
    const { ctx } = setup(true);
    const q = query({ id: 7, qname: 'q.test.', qtype: RRType.SOA });
    const signed = signRequest(q, KEY, NOW);
    const reply = handleMessage(signed.message, 'udp', ctx, '127.0.0.1')!;
    expect(verifyResponse(reply, KEY, signed.mac, NOW)).toMatchObject({ ok: true });
    const plain = handleMessage(q, 'udp', ctx, '127.0.0.1')!;
    const p = parseResponse(reply);
    expect(p.rcode).toBe(Rcode.NOERROR);
    expect(p.answer.map((r) => r.type)).toEqual([RRType.SOA]);
    const loc = locateTsig(reply);
    if (loc.kind !== 'tsig') throw new Error('unsigned');
    const stripped = Buffer.from(reply.subarray(0, loc.pos.offset));
    stripped.writeUInt16BE(stripped.readUInt16BE(10) - 1, 10);
    expect(stripped.equals(plain)).toBe(true);
    // Asked again: the same signed path (not a cached unsigned copy).
    const again = handleMessage(signRequest(q, KEY, NOW).message, 'udp', ctx, '127.0.0.1')!;
    expect(tsigError(again)).toEqual({ key: 'q-key.', error: 0, mac: 32 });
  });

  it.each([
    ['a wrong secret', WRONG, TsigError.BADSIG],
    ['an unknown key', UNKNOWN, TsigError.BADKEY],
  ] as const)('%s: NOTAUTH with the TSIG error, logged', (_what, key, error) => {
    const { ctx, logs } = setup();
    const reply = handleMessage(signRequest(query({ qname: 'q.test.', qtype: RRType.SOA }), key, NOW).message, 'udp', ctx, '127.0.0.1')!;
    expect(reply[3]! & 0xf).toBe(Rcode.NOTAUTH);
    expect(parseResponse(reply).answer).toEqual([]);
    expect(tsigError(reply)).toEqual({ key: nameToText(key.name), error, mac: 0 });
    expect(logs.find((l) => l.startsWith('info signed query refused'))).toMatch(/"qname":"q\.test\.","qtype":"SOA".*"reason":"TSIG: BAD(SIG|KEY)/);
  });

  it('unsigned queries are answered as before, unsigned', () => {
    const { ctx } = setup();
    const reply = handleMessage(query({ qname: 'q.test.', qtype: RRType.SOA }), 'udp', ctx, '127.0.0.1')!;
    expect(reply[3]! & 0xf).toBe(Rcode.NOERROR);
    expect(tsigError(reply)).toBeUndefined();
  });

  it('an answer that fits 512 octets only without TSIG: the signed one is truncated (TC) to fit with it', () => {
    const { ctx } = setup();
    const q = query({ qname: 'mid.q.test.', qtype: RRType.TXT });
    const plain = handleMessage(q, 'udp', ctx, '127.0.0.1')!;
    expect(plain[2]! & 0x02).toBe(0);
    expect(plain.length).toBeGreaterThan(512 - 80);
    expect(plain.length).toBeLessThanOrEqual(512);
    const signed = signRequest(q, KEY, NOW);
    const reply = handleMessage(signed.message, 'udp', ctx, '127.0.0.1')!;
    expect(reply.length).toBeLessThanOrEqual(512);
    expect(reply[2]! & 0x02).toBe(0x02);
    expect(verifyResponse(reply, KEY, signed.mac, NOW)).toMatchObject({ ok: true });
  });
});
