// TSIG interop with the real clients: BIND's dig and Knot's kdig send signed queries (and AXFR
// over TCP) to a tiny in-test server that verifies them with verifyRequest and answers with
// signResponse / TsigStreamSigner; dig and kdig then verify our MACs. Negative controls (a wrong
// key on our side, a tampered message) show that the clients really check.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { RRType } from '../../src/dns/constants.js';
import { nameFromText, nameToText } from '../../src/dns/name.js';
import { decodeQuery } from '../../src/wire/query.js';
import { frame, TcpDeframer } from '../../src/wire/tcp-framing.js';
import { encodeResponse, type RRset } from '../../src/wire/writer.js';
import { parseTsigKey, TSIG_ALGORITHMS, TsigKeyring, type TsigAlgorithm, type TsigKey } from '../../src/tsig/keys.js';
import { appendTsigError, signResponse, tsigErrorReplySize, tsigSize, TsigStreamSigner, verifyRequest, type TsigVerifyResult } from '../../src/tsig/tsig.js';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { rd, rr } from '../wire/helpers.js';

const ALGS = Object.keys(TSIG_ALGORITHMS) as TsigAlgorithm[];

interface Key {
  ours: TsigKey;
  /** `alg:name:secret` for -y. */
  y: string;
  secret: string;
}
function makeKey(alg: TsigAlgorithm, name = `${alg}.dig.example.`, yAlg: string = alg): Key {
  const secret = randomBytes(TSIG_ALGORITHMS[alg].size).toString('base64');
  return { ours: parseTsigKey(name, alg, secret), y: `${yAlg}:${name}:${secret}`, secret };
}

const SOA = rr('example.com.', RRType.SOA, 3600, rd.soa('ns1.example.com.', 'hostmaster.example.com.', 2024010101, 7200, 3600, 1209600, 300));

function answerFor(id: number, qtype: number, records: RRset[], rcode = 0, reserve = 0): Buffer {
  return encodeResponse(
    { id, opcode: 0, flags: { aa: true, rd: false, ad: false, cd: false }, rcode, question: { name: nameFromText('example.com.'), qtype, qclass: 1 }, answer: records, reserve },
    65535,
  );
}

/** How our side answers a verified (or refused) query. */
interface Behaviour {
  keys: TsigKeyring;
  /** Seconds added to our clock. */
  skew?: number;
  /** Sign with this key instead of the verified one (a negative control). */
  signWith?: TsigKey;
  /** Tamper with message N of an AXFR after signing. */
  tamper?: number;
}

class PeerServer {
  readonly seen: TsigVerifyResult[] = [];
  behaviour: Behaviour = { keys: new TsigKeyring() };
  private udp = dgram.createSocket('udp4');
  private tcp = net.createServer((sock) => this.onTcp(sock));
  port = 0;

  /** TCP and UDP on the same port (AXFR goes over TCP); retried if the UDP one is taken. */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await new Promise<void>((resolve) => this.tcp.listen(0, '127.0.0.1', resolve));
      this.port = (this.tcp.address() as net.AddressInfo).port;
      const bound = await new Promise<boolean>((resolve) => {
        this.udp.once('error', () => resolve(false));
        this.udp.bind(this.port, '127.0.0.1', () => resolve(true));
      });
      if (bound) break;
      if (attempt === 4) throw new Error('could not bind UDP and TCP on one port');
      await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
      this.udp = dgram.createSocket('udp4');
    }
    this.udp.on('message', (msg, rinfo) => {
      const out = this.answer(msg);
      if (out.length > 0) this.udp.send(out[0]!, rinfo.port, rinfo.address);
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }

  private onTcp(sock: net.Socket): void {
    const deframer = new TcpDeframer();
    sock.on('data', (chunk) => {
      for (const msg of deframer.feed(chunk)) for (const out of this.answer(msg)) sock.write(frame(out));
    });
    sock.on('error', () => undefined);
  }

  private answer(msg: Buffer): Buffer[] {
    const d = decodeQuery(msg);
    if (d.kind !== 'query' || d.tsig === undefined) return [];
    const b = this.behaviour;
    const now = Math.floor(Date.now() / 1000) + (b.skew ?? 0);
    const v = verifyRequest(msg, d.tsig, b.keys, now);
    this.seen.push(v);
    const qtype = d.question.qtype;
    if (!v.ok) {
      const reply = b.signWith !== undefined && v.reply.kind === 'signed' ? { ...v.reply, ctx: { ...v.reply.ctx, key: b.signWith } } : v.reply;
      return [appendTsigError(answerFor(d.id, qtype, [], v.rcode, tsigErrorReplySize(reply)), reply)];
    }
    const key = b.signWith ?? v.key;
    if (qtype !== RRType.AXFR) {
      const a = rr('example.com.', RRType.A, 300, rd.a('192.0.2.53'));
      return [signResponse(answerFor(d.id, qtype, [[qtype === RRType.SOA ? SOA : a]], 0, tsigSize(key)), { ...v.reply, key }, true).message];
    }
    // AXFR in three messages: SOA + A, A, A + SOA (RFC 5936 §2.2).
    const signer = new TsigStreamSigner({ key, requestMac: v.requestMac });
    const parts: RRset[][] = [
      [[SOA], [rr('a.example.com.', RRType.A, 300, rd.a('192.0.2.1'))]],
      [[rr('b.example.com.', RRType.A, 300, rd.a('192.0.2.2'))]],
      [[rr('c.example.com.', RRType.A, 300, rd.a('192.0.2.3'))], [SOA]],
    ];
    return parts.map((records, i) => {
      const m = signer.sign(answerFor(d.id, qtype, records), now);
      if (b.tamper === i) {
        // Corrupt the last A record's address: content, not the TSIG RR.
        const at = m.indexOf(Buffer.from([192, 0, 2, i + 1]));
        m[at + 3]! ^= 0x40;
      }
      return m;
    });
  }
}

interface Run {
  code: number | null;
  out: string;
}
function run(prog: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(prog, args, { timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, out: stdout + stderr });
    });
  });
}

const dig = findProgram('dig');
const kdig = findProgram('kdig');

function digArgs(port: number, y: string, qtype: string): string[] {
  return ['-p', String(port), '@127.0.0.1', '-y', y, 'example.com.', qtype, '+norec', '+tries=1', '+time=5'];
}
function kdigArgs(port: number, y: string, qtype: string): string[] {
  return ['-p', String(port), '@127.0.0.1', '-y', y, 'example.com.', qtype, '+norec', '+retry=0', '+timeout=5'];
}

let server: PeerServer;
beforeAll(async () => {
  server = new PeerServer();
  await server.start();
});
afterAll(async () => {
  await server.stop();
});

function lastSeen(): TsigVerifyResult {
  const v = server.seen[server.seen.length - 1];
  if (v === undefined) throw new Error('the server saw no signed query');
  return v;
}

describeWithPeers('TSIG interop with BIND dig', ['dig'], () => {
  describe('UDP query', () => {
    for (const alg of ALGS) {
      it(`${alg}: dig's query verifies here, our signed answer verifies in dig`, async () => {
        const k = makeKey(alg);
        server.behaviour = { keys: new TsigKeyring([k.ours]) };
        const r = await run(dig!, digArgs(server.port, k.y, 'SOA'));
        expect(lastSeen()).toMatchObject({ ok: true, key: k.ours });
        expect(r.out).toContain('status: NOERROR');
        expect(r.out).toMatch(/IN\s+SOA\s+ns1\.example\.com\./);
        expect(r.out).toMatch(/TSIG PSEUDOSECTION:\n\S+\s+0\s+ANY\s+TSIG\s+/);
        expect(r.out).not.toMatch(/Couldn't verify|WARNING/);
      });
    }
  });

  it('negative control: answered with another secret, dig reports a verify failure', async () => {
    const k = makeKey('hmac-sha256');
    const impostor = parseTsigKey(nameToText(k.ours.name), 'hmac-sha256', randomBytes(32).toString('base64'));
    server.behaviour = { keys: new TsigKeyring([k.ours]), signWith: impostor };
    const r = await run(dig!, digArgs(server.port, k.y, 'SOA'));
    expect(lastSeen().ok).toBe(true);
    expect(r.out).toMatch(/Couldn't verify signature: tsig verify failure/);
  });

  it('a truncated MAC (dig -y hmac-sha256-128): 16 octets verify here, dig accepts our full-length answer', async () => {
    const k = makeKey('hmac-sha256', 'trunc.dig.example.', 'hmac-sha256-128');
    server.behaviour = { keys: new TsigKeyring([k.ours]) };
    const r = await run(dig!, digArgs(server.port, k.y, 'SOA'));
    const v = lastSeen();
    if (!v.ok) throw new Error(`${v.kind}: ${v.reason}`);
    expect(v.requestMac.length).toBe(16);
    expect(r.out).toContain('status: NOERROR');
    expect(r.out).not.toMatch(/Couldn't verify|WARNING/);
  });

  it('unknown key: NOTAUTH with BADKEY, as dig shows it', async () => {
    const k = makeKey('hmac-sha256');
    server.behaviour = { keys: new TsigKeyring() };
    const r = await run(dig!, digArgs(server.port, k.y, 'SOA'));
    expect(lastSeen()).toMatchObject({ ok: false, kind: 'badkey' });
    expect(r.out).toContain('status: NOTAUTH');
    // An unsigned TSIG (MAC size 0) carrying the error; dig reports the error, not a bad MAC.
    expect(r.out).toMatch(/ANY\s+TSIG\s+hmac-sha256\. \d+ 300 0 \d+ BADKEY 0/);
    expect(r.out).toMatch(/Couldn't verify signature: tsig indicates error/);
  });

  it('wrong secret: NOTAUTH with BADSIG', async () => {
    const k = makeKey('hmac-sha256');
    const other = parseTsigKey(nameToText(k.ours.name), 'hmac-sha256', randomBytes(32).toString('base64'));
    server.behaviour = { keys: new TsigKeyring([other]) };
    const r = await run(dig!, digArgs(server.port, k.y, 'SOA'));
    expect(lastSeen()).toMatchObject({ ok: false, kind: 'badsig' });
    expect(r.out).toContain('status: NOTAUTH');
    expect(r.out).toMatch(/ANY\s+TSIG\s+hmac-sha256\. \d+ 300 0 \d+ BADSIG 0/);
    expect(r.out).toMatch(/Couldn't verify signature: tsig indicates error/);
  });

  it('our clock an hour ahead: NOTAUTH with BADTIME, signed, and dig verifies that signature', async () => {
    const k = makeKey('hmac-sha256');
    server.behaviour = { keys: new TsigKeyring([k.ours]), skew: 3600 };
    const r = await run(dig!, digArgs(server.port, k.y, 'SOA'));
    expect(lastSeen()).toMatchObject({ ok: false, kind: 'badtime' });
    expect(r.out).toContain('status: NOTAUTH');
    expect(r.out).toMatch(/ANY\s+TSIG\s+hmac-sha256\. \d+ 300 32 \S+ \d+ BADTIME 6 /);
    // BIND checks the MAC first and only then reports the peer's BADTIME as clock skew.
    expect(r.out).toMatch(/Couldn't verify signature: clocks are unsynchronized/);
    expect(r.out).not.toMatch(/tsig verify failure/);

    // Negative control: the same BADTIME reply signed with another secret is a verify failure.
    const impostor = parseTsigKey(nameToText(k.ours.name), 'hmac-sha256', randomBytes(32).toString('base64'));
    server.behaviour = { keys: new TsigKeyring([k.ours]), skew: 3600, signWith: impostor };
    const bad = await run(dig!, digArgs(server.port, k.y, 'SOA'));
    expect(bad.out).toMatch(/Couldn't verify signature: tsig verify failure/);
  });

  describe('AXFR over TCP, three messages each signed', () => {
    for (const alg of ['hmac-sha256', 'hmac-md5', 'hmac-sha512'] as const) {
      it(`${alg}: dig verifies every message`, async () => {
        const k = makeKey(alg);
        server.behaviour = { keys: new TsigKeyring([k.ours]) };
        const r = await run(dig!, digArgs(server.port, k.y, 'AXFR'));
        expect(lastSeen()).toMatchObject({ ok: true });
        expect(r.out).toMatch(/XFR size: 5 records \(messages 3,/);
        expect(r.out).not.toMatch(/Couldn't verify|WARNING/);
      });
    }

    it('negative control: a tampered second message is flagged by dig', async () => {
      const k = makeKey('hmac-sha256');
      server.behaviour = { keys: new TsigKeyring([k.ours]), tamper: 1 };
      const r = await run(dig!, digArgs(server.port, k.y, 'AXFR'));
      // dig goes on with the transfer but flags the message and warns at the end.
      expect(r.out).toMatch(/Couldn't verify signature: tsig verify failure/);
      expect(r.out).toMatch(/WARNING -- Some TSIG could not be validated/);
    });
  });
});

describeWithPeers('TSIG interop with Knot kdig', ['kdig'], () => {
  for (const alg of ALGS) {
    it(`${alg}: kdig's query verifies here, our signed answer verifies in kdig`, async () => {
      const k = makeKey(alg, `${alg}.kdig.example.`);
      server.behaviour = { keys: new TsigKeyring([k.ours]) };
      const r = await run(kdig!, kdigArgs(server.port, k.y, 'SOA'));
      expect(lastSeen()).toMatchObject({ ok: true, key: k.ours });
      expect(r.out).toContain('status: NOERROR');
      expect(r.out).toMatch(/SOA\s+ns1\.example\.com\./);
      expect(r.out).not.toMatch(/;; (WARNING|ERROR)/);
    });
  }

  it('negative control: answered with another secret, kdig complains', async () => {
    const k = makeKey('hmac-sha256', 'neg.kdig.example.');
    const impostor = parseTsigKey('neg.kdig.example.', 'hmac-sha256', randomBytes(32).toString('base64'));
    server.behaviour = { keys: new TsigKeyring([k.ours]), signWith: impostor };
    const r = await run(kdig!, kdigArgs(server.port, k.y, 'SOA'));
    expect(r.out).toMatch(/;; (WARNING|ERROR).*TSIG/);
  });

  for (const alg of ['hmac-sha256', 'hmac-sha1'] as const) {
    it(`${alg}: AXFR in three signed messages, kdig verifies them`, async () => {
      const k = makeKey(alg, `${alg}.axfr.kdig.example.`);
      server.behaviour = { keys: new TsigKeyring([k.ours]) };
      const r = await run(kdig!, kdigArgs(server.port, k.y, 'AXFR'));
      expect(lastSeen()).toMatchObject({ ok: true });
      expect(r.out).toMatch(/Received \d+ B \(3 messages, 5 records\)/);
      expect(r.out).not.toMatch(/;; (WARNING|ERROR)/);
    });
  }

  it('negative control: a tampered first AXFR message makes kdig fail (kdig 3.2 checks only the first)', async () => {
    const k = makeKey('hmac-sha256', 'tamper.kdig.example.');
    server.behaviour = { keys: new TsigKeyring([k.ours]), tamper: 0 };
    const r = await run(kdig!, kdigArgs(server.port, k.y, 'AXFR'));
    expect(r.out).toMatch(/;; ERROR: reply verification .*\(failed to verify TSIG\)/);
    expect(r.out).not.toMatch(/3 messages, 5 records/);
  });
});
