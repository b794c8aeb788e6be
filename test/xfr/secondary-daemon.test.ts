// `serve --config` with a secondary zone, on a real process: the zone is transferred from an
// in-process zonedns primary at start, a NOTIFY from the primary's address pulls a change, the
// copy is kept on disk, and a restart with the primary gone serves that copy at once.

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import dgram from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nameFromText } from '../../src/dns/name.js';
import { buildNotify } from '../../src/xfr/notify.js';
import { cleanupDaemons, makeTempDir, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import { xfrZoneText, XFR_ZONE } from '../interop/support/xfr-scenario.js';
import { soaSerial, startXfrPrimary, waitFor, type XfrPrimary } from '../interop/support/xfr-server.js';

afterEach(cleanupDaemons);

describe('serve --config with a secondary zone', () => {
  let primary: XfrPrimary;
  beforeAll(async () => {
    primary = await startXfrPrimary({ origin: XFR_ZONE, text: xfrZoneText(1) });
  });
  afterAll(async () => {
    await primary?.close();
  });

  function config(dir: string, primaryPort: number): string {
    const file = join(dir, 'zonedns.json');
    writeFileSync(file, JSON.stringify({ zones: [{ file: 'secondary/xfr.test.zone', origin: XFR_ZONE, primaries: [`127.0.0.1:${primaryPort}`] }] }));
    return file;
  }

  async function notify(d: Daemon): Promise<Buffer> {
    const sock = dgram.createSocket('udp4');
    try {
      const reply = new Promise<Buffer>((res) => sock.once('message', (m) => res(m)));
      const snap = primary.snapshot();
      sock.send(buildNotify(0x1234, nameFromText(`${XFR_ZONE}.`), snap.soa), d.port, '127.0.0.1');
      return await reply;
    } finally {
      sock.close();
    }
  }

  test('transfers at start, follows a NOTIFY, and a restart serves the copy with the primary gone', async () => {
    const cfgDir = makeTempDir('zonedns-seccfg-');
    const d = await startDaemon({ args: ['--config', config(cfgDir, primary.port)] });
    await waitFor('serial 1', async () => ((await soaSerial('127.0.0.1', d.port, XFR_ZONE)) === 1 ? true : undefined), 10_000, () => d.lines.join('\n'));
    await primary.update(xfrZoneText(2));
    const reply = await notify(d);
    expect(reply[3]! & 0xf).toBe(0);
    expect(reply[2]! & 0x04).toBe(0x04);
    await waitFor('serial 2', async () => ((await soaSerial('127.0.0.1', d.port, XFR_ZONE)) === 2 ? true : undefined), 10_000, () => d.lines.join('\n'));
    // The copy is written after the swap, off the query path: poll for it.
    const copy = join(cfgDir, 'secondary', 'xfr.test.zone');
    await waitFor('the copy of serial 2 on disk', () => (existsSync(copy) && readFileSync(copy, 'latin1').includes('serial 2') ? true : undefined), 10_000, () => d.lines.join('\n'));
    d.child.kill('SIGTERM');
    await d.exited;

    // The primary's port now answers nothing we accept: a port nobody listens on.
    const again = await startDaemon({ args: ['--config', config(cfgDir, 9)] });
    expect(await soaSerial('127.0.0.1', again.port, XFR_ZONE)).toBe(2);
    await again.waitForLog(/secondary zone refresh failed/, { timeoutMs: 10_000 });
    expect(await soaSerial('127.0.0.1', again.port, XFR_ZONE)).toBe(2);
  }, 30_000);

  test('a server of secondary zones only (no zones directory) finishes starting and stops on SIGTERM', async () => {
    // chokidar, given nothing to watch, never said `ready`: serve hung before its ready line.
    const cfgDir = makeTempDir('zonedns-seconly-');
    const d = await startDaemon({ zonesDir: false, bundled: false, args: ['--config', config(cfgDir, primary.port)] });
    const serial = primary.snapshot().serial;
    await waitFor(`serial ${serial}`, async () => ((await soaSerial('127.0.0.1', d.port, XFR_ZONE)) === serial ? true : undefined), 10_000, () => d.lines.join('\n'));
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
  }, 30_000);
});
