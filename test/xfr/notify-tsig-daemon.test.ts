// NOTIFY with TSIG through `serve --config` on a real process, so the config reaches the wiring:
//   primary: `notify: [{ address, key }]` + `keys` -> a signed NOTIFY, which a UDP socket playing
//            the secondary verifies; an unsigned reply is rejected (retried), a signed one acknowledged;
//   secondary: `primaries` + `primaryKey` -> signed SOA query and transfers from an in-process
//            primary that requires the key; a NOTIFY signed with the key is answered signed and
//            pulls the change; unsigned or wrong-secret NOTIFYs get NOTAUTH (+ BADSIG).

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nameFromText } from '../../src/dns/name.js';
import { buildNotify } from '../../src/xfr/notify.js';
import { parseTsigKey, TsigKeyring } from '../../src/tsig/keys.js';
import { locateTsig, readTsigRdata } from '../../src/tsig/wire.js';
import { signRequest, signResponse, TsigError, verifyRequest, verifyResponse } from '../../src/tsig/tsig.js';
import { cleanupDaemons, makeTempDir, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import { xfrZoneText, XFR_ZONE } from '../interop/support/xfr-scenario.js';
import { soaSerial, startXfrPrimary, waitFor, type XfrPrimary } from '../interop/support/xfr-server.js';

afterEach(cleanupDaemons);

const SECRET = Buffer.alloc(32, 0x6d).toString('base64');
const KEY = parseTsigKey('k1.', 'hmac-sha256', SECRET);
const WRONG = parseTsigKey('k1.', 'hmac-sha256', Buffer.alloc(32, 0x6e).toString('base64'));
const now = () => Math.floor(Date.now() / 1000);

function writeConfig(dir: string, config: object): string {
  const file = join(dir, 'zonedns.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('serve --config as a primary: notify target with a key', () => {
  let sock: dgram.Socket;
  const seen: Array<{ signedBy?: string; verified: boolean }> = [];
  beforeAll(async () => {
    sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    // The secondary: verify each NOTIFY with the key; the first reply goes out unsigned (must not
    // count), every later one signed over the NOTIFY's MAC.
    sock.on('message', (msg, rinfo) => {
      const loc = locateTsig(msg);
      const v = loc.kind === 'tsig' ? verifyRequest(msg, loc.pos, new TsigKeyring([KEY]), now()) : undefined;
      seen.push({ signedBy: loc.kind === 'tsig' ? loc.pos.keyName : undefined, verified: v?.ok === true });
      const res = Buffer.from(loc.kind === 'tsig' ? msg.subarray(0, loc.pos.offset) : msg);
      if (loc.kind === 'tsig') res.writeUInt16BE(res.readUInt16BE(10) - 1, 10);
      res.writeUInt16BE(res.readUInt16BE(2) | 0x8000, 2);
      const out = seen.length === 1 || v === undefined || !v.ok ? res : signResponse(res, v.reply).message;
      sock.send(out, rinfo.port, rinfo.address);
    });
  });
  afterAll(() => {
    sock?.close();
  });

  test('the NOTIFY verifies with the key; an unsigned reply is rejected, the signed one acknowledged', async () => {
    const dir = makeTempDir('zonedns-notify-tsig-');
    writeFileSync(join(dir, 'p.zone'), xfrZoneText(1));
    const config = writeConfig(dir, {
      keys: [{ name: 'k1', secret: SECRET }],
      zones: [{ file: 'p.zone', origin: XFR_ZONE, transfer: { allow: ['127.0.0.1'], keys: ['k1'] }, notify: [{ address: `127.0.0.1:${sock.address().port}`, key: 'k1' }] }],
    });
    const d: Daemon = await startDaemon({ zonesDir: false, bundled: false, args: ['--config', config] });
    await d.waitForLog(/ info NOTIFY acknowledged .*key=k1\./, { timeoutMs: 15_000 });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((s) => s.verified)).toBe(true);
    expect(d.lines.find((l) => / warn NOTIFY reply rejected/.test(l))).toMatch(/UNSIGNED: the response to a signed request is not signed/);
    expect(d.lines.find((l) => / info NOTIFY acknowledged/.test(l))).toMatch(/tries=2/);
  }, 30_000);
});

describe('serve --config as a secondary with primaryKey', () => {
  let primary: XfrPrimary;
  beforeAll(async () => {
    primary = await startXfrPrimary({ origin: XFR_ZONE, text: xfrZoneText(1), key: KEY });
  });
  afterAll(async () => {
    await primary?.close();
  });

  function notifyTo(d: Daemon, key: typeof KEY | undefined): Promise<{ reply: Buffer; mac?: string }> {
    const s = dgram.createSocket('udp4');
    const plain = buildNotify(0x2323, nameFromText(`${XFR_ZONE}.`), primary.snapshot().soa);
    const signed = key === undefined ? undefined : signRequest(plain, key, now());
    return new Promise<{ reply: Buffer; mac?: string }>((resolve, reject) => {
      const t = setTimeout(() => { s.close(); reject(new Error('no reply to NOTIFY within 5 s')); }, 5000);
      s.once('message', (m) => { clearTimeout(t); s.close(); resolve({ reply: m, mac: signed?.mac }); });
      s.send(signed?.message ?? plain, d.port, '127.0.0.1');
    });
  }
  const tsigErrorOf = (m: Buffer) => {
    const loc = locateTsig(m);
    if (loc.kind !== 'tsig') return undefined;
    const rd = readTsigRdata(m, loc.pos);
    return typeof rd === 'string' ? rd : rd.error;
  };

  test('transfers with the key; only a NOTIFY signed with it is accepted, and answered signed', async () => {
    const dir = makeTempDir('zonedns-sec-tsig-');
    const config = writeConfig(dir, {
      keys: [{ name: 'k1', secret: SECRET }],
      zones: [{ file: 'secondary/xfr.test.zone', origin: XFR_ZONE, primaries: [`127.0.0.1:${primary.port}`], primaryKey: 'k1' }],
    });
    const d = await startDaemon({ zonesDir: false, bundled: false, args: ['--config', config] });
    await waitFor('serial 1', async () => ((await soaSerial('127.0.0.1', d.port, XFR_ZONE)) === 1 ? true : undefined), 10_000, () => d.log());
    await primary.update(xfrZoneText(2));

    const unsigned = await notifyTo(d, undefined);
    expect([unsigned.reply[3]! & 0xf, tsigErrorOf(unsigned.reply)]).toEqual([9, undefined]);
    const wrong = await notifyTo(d, WRONG);
    expect([wrong.reply[3]! & 0xf, tsigErrorOf(wrong.reply)]).toEqual([9, TsigError.BADSIG]);
    // Neither started a check (the next one is REFRESH = 3600 s away).
    expect(d.lines.filter((l) => / NOTIFY received/.test(l))).toEqual([]);
    expect(await soaSerial('127.0.0.1', d.port, XFR_ZONE)).toBe(1);

    const good = await notifyTo(d, KEY);
    expect(good.reply[3]! & 0xf).toBe(0);
    expect(verifyResponse(good.reply, KEY, good.mac!, now())).toMatchObject({ ok: true });
    await waitFor('serial 2', async () => ((await soaSerial('127.0.0.1', d.port, XFR_ZONE)) === 2 ? true : undefined), 10_000, () => d.log());
    expect(d.lines.find((l) => / NOTIFY received/.test(l))).toMatch(/key=k1\./);
    expect(d.lines.find((l) => /secondary zone transferred .*serial=2/.test(l))).toMatch(/how=IXFR/);
    expect(primary.logs.filter((l) => / refused /.test(l))).toEqual([]);
  }, 30_000);
});
