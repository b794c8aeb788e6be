// TSIG interop with dnspython (Debian's python3-dnspython), both ways, at test time:
// - dnspython signs queries and multi-message responses, zonedns verifies them;
// - zonedns signs requests, responses, error replies and AXFR streams, dnspython verifies them.
// Every HMAC algorithm, wrong key, unknown key, time outside the fudge, truncated MACs, streams.

import { describe, expect, it, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { RRType } from '../../src/dns/constants.js';
import { nameFromText } from '../../src/dns/name.js';
import { decodeQuery, type TsigPosition } from '../../src/wire/query.js';
import { encodeResponse } from '../../src/wire/writer.js';
import { parseTsigKey, TSIG_ALGORITHMS, TsigKeyring, type TsigAlgorithm, type TsigKey } from '../../src/tsig/keys.js';
import { locateTsig, readTsigRdata } from '../../src/tsig/wire.js';
import {
  appendTsigError,
  signRequest,
  signResponse,
  TsigStreamSigner,
  TsigStreamVerifier,
  verifyRequest,
  verifyResponse,
  type TsigVerified,
  type TsigVerifyFailure,
} from '../../src/tsig/tsig.js';
import { debianPython, describeWithDnspython } from '../support/peers.js';
import { query, rd, rr } from '../wire/helpers.js';

const PYTHON = debianPython();

// One script, a list of operations in (argv[1], JSON), a list of results out (stdout, JSON).
const SCRIPT = String.raw`
import sys, json, base64, struct
import dns.message, dns.tsig, dns.rrset

PYALG = {'hmac-md5': 'HMAC-MD5.SIG-ALG.REG.INT', 'hmac-sha1': 'hmac-sha1', 'hmac-sha224': 'hmac-sha224',
         'hmac-sha256': 'hmac-sha256', 'hmac-sha384': 'hmac-sha384', 'hmac-sha512': 'hmac-sha512'}

def key(k):
    return dns.tsig.Key(k['name'], base64.b64decode(k['secret']), PYALG[k['algorithm']])

def ring(k):
    K = key(k)
    return {K.name: K}

def answer(r, i):
    r.answer.append(dns.rrset.from_text('host%d.example.com.' % i, 300, 'IN', 'A', '192.0.2.%d' % (i + 1)))

# Records what dns.message hands to dns.tsig.validate, so that an error reply (which dnspython
# raises on before checking its MAC) can still have its MAC checked with dnspython's own digest.
captured = {}
_validate = dns.tsig.validate
def _spy(wire, key, owner, rdata, now, request_mac, tsig_start, ctx=None, multi=False):
    captured.update(wire=wire, key=key, rdata=rdata, request_mac=request_mac, tsig_start=tsig_start)
    return _validate(wire, key, owner, rdata, now, request_mac, tsig_start, ctx, multi)
dns.tsig.validate = _spy

def mac_ok():
    w, rdata = captured['wire'], captured['rdata']
    adcount = struct.unpack('!H', w[10:12])[0] - 1
    plain = w[0:10] + struct.pack('!H', adcount) + w[12:captured['tsig_start']]
    ctx = dns.tsig._digest(plain, captured['key'], rdata, None, captured['request_mac'])
    try:
        ctx.verify(rdata.mac)
        return True
    except dns.tsig.BadSignature:
        return False

def run(req):
    op = req['op']
    captured.clear()
    try:
        if op == 'sign-query':
            q = dns.message.make_query(req.get('qname', 'example.com.'), req.get('qtype', 'SOA'))
            q.id = req.get('id', 0x4242)
            K = key(req['key'])
            q.use_tsig(K, fudge=req.get('fudge', 300))
            return {'wire': q.to_wire().hex(), 'mac': q.mac.hex()}
        if op == 'verify-query':
            m = dns.message.from_wire(bytes.fromhex(req['wire']), keyring=ring(req['key']))
            return {'ok': True, 'mac': m.mac.hex(), 'time': m.tsig[0].time_signed}
        if op == 'sign-response':
            q = dns.message.from_wire(bytes.fromhex(req['query']), keyring=ring(req['key']))
            r = dns.message.make_response(q)
            answer(r, 0)
            return {'wire': r.to_wire().hex(), 'mac': r.mac.hex()}
        if op == 'verify-response':
            r = dns.message.from_wire(bytes.fromhex(req['wire']), keyring=ring(req['key']), request_mac=bytes.fromhex(req['mac']))
            return {'ok': True, 'mac': r.mac.hex(), 'answer': [str(x) for x in r.answer]}
        if op == 'sign-stream':
            K = key(req['key'])
            q = dns.message.make_query('example.com.', 'AXFR')
            q.id = 0x5a5a
            q.use_tsig(K)
            wq = q.to_wire()
            ctx = None
            out = []
            for i in range(req['count']):
                r = dns.message.make_response(q)
                answer(r, i)
                if i in req.get('unsigned', []):
                    r.tsig = None
                    w = r.to_wire()
                    ctx.update(w)   # RFC 8945 5.3.1: unsigned messages go into the next MAC
                else:
                    w = r.to_wire(multi=True, tsig_ctx=ctx)
                    ctx = r.tsig_ctx
                out.append(w.hex())
            return {'query': wq.hex(), 'mac': q.mac.hex(), 'messages': out}
        if op == 'verify-stream':
            ctx = None
            signed = []
            for w in req['messages']:
                r = dns.message.from_wire(bytes.fromhex(w), keyring=ring(req['key']), request_mac=bytes.fromhex(req['mac']), tsig_ctx=ctx, multi=True)
                ctx = r.tsig_ctx
                signed.append(r.had_tsig)
            return {'ok': True, 'signed': signed}
        return {'error': 'unknown op ' + op}
    except Exception as e:
        out = {'error': type(e).__name__}
        if isinstance(e, dns.tsig.PeerError) and captured and captured['rdata'].mac:
            out['macOk'] = mac_ok()
            out['other'] = captured['rdata'].other.hex()
            out['timeSigned'] = captured['rdata'].time_signed
        return out

print(json.dumps([run(r) for r in json.loads(sys.argv[1])]))
`;

interface PyKey {
  name: string;
  algorithm: TsigAlgorithm;
  secret: string;
}
type PyResult = Record<string, unknown> & { error?: string };

function py(reqs: object[]): PyResult[] {
  const r = spawnSync(PYTHON!, ['-', JSON.stringify(reqs)], { input: SCRIPT, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as PyResult[];
}
const py1 = (req: object): PyResult => py([req])[0]!;

const ALGS = Object.keys(TSIG_ALGORITHMS) as TsigAlgorithm[];
const hex = (b: string | Uint8Array): string => (typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from(b)).toString('hex');
const unhex = (h: unknown): Buffer => Buffer.from(h as string, 'hex');
const now = (): number => Math.floor(Date.now() / 1000);

function makeKey(alg: TsigAlgorithm, name = 'xfr.tsig.example.'): { ours: TsigKey; theirs: PyKey } {
  const secret = randomBytes(TSIG_ALGORITHMS[alg].size).toString('base64');
  return { ours: parseTsigKey(name, alg, secret), theirs: { name, algorithm: alg, secret } };
}

function tsigOf(msg: Uint8Array): TsigPosition {
  const d = decodeQuery(msg);
  if (d.kind !== 'query' || d.tsig === undefined) throw new Error(`not a signed query: ${JSON.stringify(d)}`);
  return d.tsig;
}

function ok(r: ReturnType<typeof verifyRequest>): TsigVerified {
  if (!r.ok) throw new Error(`expected ok, got ${r.kind}: ${r.reason}`);
  return r;
}
function failed(r: ReturnType<typeof verifyRequest>): TsigVerifyFailure {
  if (r.ok) throw new Error('expected a failure');
  return r;
}

/** A response to `id` with one A record, room left for the TSIG RR. */
function ourResponse(id: number, i = 0, qtype: number = RRType.SOA, rcode = 0): Buffer {
  return encodeResponse(
    {
      id,
      opcode: 0,
      flags: { aa: true, rd: false, ad: false, cd: false },
      rcode,
      question: { name: nameFromText('example.com.'), qtype, qclass: 1 },
      answer: rcode === 0 ? [[rr(`host${i}.example.com.`, RRType.A, 300, rd.a(`192.0.2.${i + 1}`))]] : [],
    },
    65535,
  );
}

/** Rewrites the MAC of the TSIG RR (MAC size and RDLENGTH follow). */
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

describeWithDnspython('TSIG interop: dnspython signs, zonedns verifies', () => {
  it('queries signed with every algorithm verify, with dnspython’s MAC as the request MAC', () => {
    const keys = ALGS.map((a) => makeKey(a, `${a}.tsig.example.`));
    const signed = py(keys.map((k) => ({ op: 'sign-query', key: k.theirs })));
    const t = now();
    keys.forEach((k, i) => {
      const msg = unhex(signed[i]!.wire);
      const v = ok(verifyRequest(msg, tsigOf(msg), new TsigKeyring(keys.map((x) => x.ours)), t));
      expect(v.key).toBe(k.ours);
      expect(hex(v.requestMac)).toBe(signed[i]!.mac);
    });
  });

  it('key name case does not matter (dnspython signs as TSIG.Example., we know tsig.example.)', () => {
    const k = makeKey('hmac-sha256', 'tsig.example.');
    const m = py1({ op: 'sign-query', key: { ...k.theirs, name: 'TSIG.Example.' } });
    const msg = unhex(m.wire);
    expect(msg.includes(Buffer.from('TSIG'))).toBe(true);
    ok(verifyRequest(msg, tsigOf(msg), new TsigKeyring([k.ours]), now()));
  });

  it('wrong secret: BADSIG; unknown key and other algorithm: BADKEY', () => {
    const k = makeKey('hmac-sha256');
    const msg = unhex(py1({ op: 'sign-query', key: k.theirs }).wire);
    const pos = tsigOf(msg);
    const wrongSecret = makeKey('hmac-sha256').ours;
    expect(failed(verifyRequest(msg, pos, new TsigKeyring([wrongSecret]), now()))).toMatchObject({ kind: 'badsig', rcode: 9, tsigError: 16 });
    expect(failed(verifyRequest(msg, pos, new TsigKeyring([makeKey('hmac-sha256', 'other.example.').ours]), now()))).toMatchObject({
      kind: 'badkey',
      rcode: 9,
      tsigError: 17,
    });
    expect(failed(verifyRequest(msg, pos, new TsigKeyring([makeKey('hmac-sha512').ours]), now()))).toMatchObject({ kind: 'badkey' });
  });

  it('time: the fudge dnspython set is honoured to the second, BADTIME beyond', () => {
    const k = makeKey('hmac-sha1');
    const msg = unhex(py1({ op: 'sign-query', key: k.theirs, fudge: 10 }).wire);
    const pos = tsigOf(msg);
    const rdata = readTsigRdata(msg, pos);
    if (typeof rdata === 'string') throw new Error(rdata);
    expect(Math.abs(rdata.timeSigned - now())).toBeLessThan(5);
    const keys = new TsigKeyring([k.ours]);
    for (const d of [-10, 0, 10]) ok(verifyRequest(msg, pos, keys, rdata.timeSigned + d));
    for (const d of [-11, 11, 3600]) expect(failed(verifyRequest(msg, pos, keys, rdata.timeSigned + d))).toMatchObject({ kind: 'badtime', rcode: 9, tsigError: 18 });
  });

  it('truncated MACs: dnspython’s MAC cut to the RFC 8945 minimum still verifies; one octet less is FORMERR', () => {
    const keys = ALGS.map((a) => makeKey(a, `${a}.trunc.example.`));
    const signed = py(keys.map((k) => ({ op: 'sign-query', key: k.theirs })));
    keys.forEach((k, i) => {
      const msg = unhex(signed[i]!.wire);
      const full = unhex(signed[i]!.mac);
      const min = TSIG_ALGORITHMS[k.theirs.algorithm].minSize;
      const ring = new TsigKeyring([k.ours]);
      const cut = withMac(msg, full.subarray(0, min));
      expect(hex(ok(verifyRequest(cut, tsigOf(cut), ring, now())).requestMac)).toBe(full.subarray(0, min).toString('hex'));
      const short = withMac(msg, full.subarray(0, min - 1));
      expect(failed(verifyRequest(short, tsigOf(short), ring, now()))).toMatchObject({ kind: 'formerr', rcode: 1 });
    });
  });

  it('a response dnspython signs for our signed request verifies (our NOTIFY / SOA query path)', () => {
    for (const alg of ALGS) {
      const k = makeKey(alg);
      const req = signRequest(query({ id: 0x2468, qname: 'example.com.', qtype: RRType.SOA }), k.ours, now());
      const r = py1({ op: 'sign-response', key: k.theirs, query: hex(req.message) });
      expect(r.error).toBeUndefined();
      expect(verifyResponse(unhex(r.wire), k.ours, req.mac, now())).toMatchObject({ ok: true, signed: true, mac: unhex(r.mac).toString('latin1') });
      expect(verifyResponse(unhex(r.wire), k.ours, 'x'.repeat(req.mac.length), now())).toMatchObject({ ok: false, kind: 'badsig' });
    }
  });

  it('a 3-message AXFR stream, every message signed', () => {
    for (const alg of ['hmac-sha256', 'hmac-md5', 'hmac-sha512'] as const) {
      const k = makeKey(alg);
      const s = py1({ op: 'sign-stream', key: k.theirs, count: 3 });
      const q = unhex(s.query);
      const v = ok(verifyRequest(q, tsigOf(q), new TsigKeyring([k.ours]), now()));
      const stream = new TsigStreamVerifier(k.ours, v.requestMac);
      for (const m of s.messages as string[]) expect(stream.verify(unhex(m), now())).toMatchObject({ ok: true, signed: true });
      expect(stream.finish()).toMatchObject({ ok: true });
    }
  });

  it('a stream with unsigned messages in between (RFC 8945 §5.3.1), and one whose last message is unsigned', () => {
    const k = makeKey('hmac-sha256');
    const s = py1({ op: 'sign-stream', key: k.theirs, count: 5, unsigned: [1, 2] });
    const stream = new TsigStreamVerifier(k.ours, unhex(s.mac).toString('latin1'));
    const signedFlags = (s.messages as string[]).map((m) => {
      const r = stream.verify(unhex(m), now());
      if (!r.ok) throw new Error(`${r.kind}: ${r.reason}`);
      return r.signed;
    });
    expect(signedFlags).toEqual([true, false, false, true, true]);
    expect(stream.finish().ok).toBe(true);

    // Altering an unsigned message shows at the next signed one.
    const tampered = new TsigStreamVerifier(k.ours, unhex(s.mac).toString('latin1'));
    const msgs = (s.messages as string[]).map(unhex);
    msgs[2]![msgs[2]!.length - 1]! ^= 1;
    expect(msgs.map((m) => tampered.verify(m, now()).ok)).toEqual([true, true, true, false, false]);

    const last = py1({ op: 'sign-stream', key: k.theirs, count: 3, unsigned: [2] });
    const v = new TsigStreamVerifier(k.ours, unhex(last.mac).toString('latin1'));
    for (const m of last.messages as string[]) expect(v.verify(unhex(m), now()).ok).toBe(true);
    expect(v.finish()).toMatchObject({ ok: false, kind: 'unsigned' });
  });
});

describeWithDnspython('TSIG interop: zonedns signs, dnspython verifies', () => {
  it('requests signed with every algorithm (dnspython computes the same MAC)', () => {
    const keys = ALGS.map((a) => makeKey(a));
    const signed = keys.map((k) => signRequest(query({ qname: 'example.com.', qtype: RRType.SOA }), k.ours, now()));
    const res = py(keys.map((k, i) => ({ op: 'verify-query', key: k.theirs, wire: hex(signed[i]!.message) })));
    res.forEach((r, i) => expect(r).toEqual({ ok: true, mac: hex(signed[i]!.mac), time: expect.any(Number) }));
    // And a tampered one is refused by dnspython.
    const bad = Buffer.from(signed[0]!.message);
    bad[14] ^= 1;
    expect(py1({ op: 'verify-query', key: keys[0]!.theirs, wire: hex(bad) })).toEqual({ error: 'BadSignature' });
  });

  it('responses to dnspython’s queries, every algorithm, including to a truncated request MAC', () => {
    const keys = ALGS.map((a) => makeKey(a));
    const queries = py(keys.map((k) => ({ op: 'sign-query', key: k.theirs, id: 0x1357 })));
    const checks = keys.map((k, i) => {
      const msg = unhex(queries[i]!.wire);
      const v = ok(verifyRequest(msg, tsigOf(msg), new TsigKeyring([k.ours]), now()));
      const r = signResponse(ourResponse(0x1357), v.reply, true);
      return { op: 'verify-response', key: k.theirs, wire: hex(r.message), mac: queries[i]!.mac };
    });
    for (const r of py(checks)) expect(r).toMatchObject({ ok: true, answer: ['host0.example.com. 300 IN A 192.0.2.1'] });

    // Against the wrong request MAC, dnspython refuses our response.
    expect(py1({ ...checks[0]!, mac: '00'.repeat(32) })).toEqual({ error: 'BadSignature' });

    // A request whose MAC was truncated: our response covers the truncated MAC (RFC 8945 §5.2.2.1).
    const truncated = keys.map((k, i) => {
      const full = unhex(queries[i]!.mac);
      const cutMac = full.subarray(0, TSIG_ALGORITHMS[k.theirs.algorithm].minSize);
      const cut = withMac(unhex(queries[i]!.wire), cutMac);
      const v = ok(verifyRequest(cut, tsigOf(cut), new TsigKeyring([k.ours]), now()));
      const r = signResponse(ourResponse(0x1357), v.reply, true);
      return { op: 'verify-response', key: k.theirs, wire: hex(r.message), mac: cutMac.toString('hex') };
    });
    for (const r of py(truncated)) expect(r).toMatchObject({ ok: true });
  });

  it('error replies: BADSIG and BADKEY unsigned, BADTIME signed with our time in Other Data', () => {
    const k = makeKey('hmac-sha256');
    const q = py1({ op: 'sign-query', key: k.theirs, id: 0x0bad });
    const msg = unhex(q.wire);
    const pos = tsigOf(msg);
    const reply = (f: TsigVerifyFailure): string => hex(appendTsigError(ourResponse(0x0bad, 0, RRType.SOA, f.rcode), f.reply));

    const badsig = failed(verifyRequest(msg, pos, new TsigKeyring([makeKey('hmac-sha256').ours]), now()));
    const badkey = failed(verifyRequest(msg, pos, new TsigKeyring([]), now()));
    const later = now() + 3600;
    const badtime = failed(verifyRequest(msg, pos, new TsigKeyring([k.ours]), later));
    const [rs, rk, rt] = py([badsig, badkey, badtime].map((f) => ({ op: 'verify-response', key: k.theirs, wire: reply(f), mac: q.mac })));
    expect(rs).toEqual({ error: 'PeerBadSignature' });
    expect(rk).toEqual({ error: 'PeerBadKey' });
    // dnspython raises PeerBadTime before looking at the MAC; its own digest says the MAC is right.
    expect(rt).toMatchObject({ error: 'PeerBadTime', macOk: true });
    expect(parseInt(rt!.other as string, 16)).toBe(later);
    expect(Math.abs((rt!.timeSigned as number) - now())).toBeLessThan(5); // the request's time
  });

  it('a 3-message AXFR response signed by TsigStreamSigner, for every algorithm; out of order it fails', () => {
    const keys = ALGS.map((a) => makeKey(a));
    const queries = py(keys.map((k) => ({ op: 'sign-query', key: k.theirs, id: 0x0a0a, qtype: 'AXFR' })));
    const streams = keys.map((k, i) => {
      const msg = unhex(queries[i]!.wire);
      const v = ok(verifyRequest(msg, tsigOf(msg), new TsigKeyring([k.ours]), now()));
      const signer = new TsigStreamSigner({ key: v.key, requestMac: v.requestMac });
      const messages = [0, 1, 2].map((j) => hex(signer.sign(ourResponse(0x0a0a, j, RRType.AXFR), now())));
      return { op: 'verify-stream', key: k.theirs, mac: queries[i]!.mac, messages };
    });
    for (const r of py(streams)) expect(r).toEqual({ ok: true, signed: [true, true, true] });
    const s = streams[0]!;
    expect(py1({ ...s, messages: [s.messages[0], s.messages[2], s.messages[1]] })).toEqual({ error: 'BadSignature' });
  });

  it('a stream where we let messages go unsigned in between', () => {
    const k = makeKey('hmac-sha384');
    const q = py1({ op: 'sign-query', key: k.theirs, qtype: 'AXFR', id: 7 });
    const msg = unhex(q.wire);
    const v = ok(verifyRequest(msg, tsigOf(msg), new TsigKeyring([k.ours]), now()));
    const signer = new TsigStreamSigner({ key: v.key, requestMac: v.requestMac });
    const messages = [
      signer.sign(ourResponse(7, 0, RRType.AXFR), now()),
      signer.pass(ourResponse(7, 1, RRType.AXFR)),
      signer.pass(ourResponse(7, 2, RRType.AXFR)),
      signer.sign(ourResponse(7, 3, RRType.AXFR), now()),
    ].map(hex);
    expect(py1({ op: 'verify-stream', key: k.theirs, mac: q.mac, messages })).toEqual({ ok: true, signed: [true, false, false, true] });
  });
});
