// The journal and NOTIFY wired to reloads: ZoneManager -> XfrService on every swap; the journal
// survives a restart through the state directory; edits made while down and same-serial content
// changes empty it (a serial going back is refused: test/state/served-serial.test.ts); NOTIFY
// goes out on start and on each serial change.

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RRType } from '../../src/dns/constants.js';
import { nameFromText } from '../../src/dns/name.js';
import { ZoneManager } from '../../src/reload/zones.js';
import { StateStore } from '../../src/state/zone-state.js';
import { handleStreamMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { TransferPolicy } from '../../src/xfr/acl.js';
import { Notifier, parseNotifyTarget, type NotifyTarget, type NotifyTransport } from '../../src/xfr/notify.js';
import { XfrService } from '../../src/xfr/service.js';
import { answers, parse, transferQuery } from './support/xfr.js';
import { linesLogger } from '../support/log.js';

const ZONE = (serial: number, extra = '') => `$ORIGIN r.test.\n$TTL 300\n@ SOA ns hostmaster ${serial} 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n${Array.from({ length: 20 }, (_, i) => `h${i} A 198.51.100.${i}\n`).join('')}${extra}`;

class Recorder implements NotifyTransport {
  sent: Array<{ serial: number; target: string }> = [];
  send(msg: Buffer, target: NotifyTarget): void {
    const soa = parse(msg).answer[0]!;
    const rdata = Buffer.from(soa.canon, 'hex');
    this.sent.push({ serial: rdata.readUInt32BE(rdata.length - 20), target: target.text });
  }
  onMessage(): void {}
  async close(): Promise<void> {}
}

describe('reload -> journal -> IXFR, NOTIFY', () => {
  let dir: string;
  let file: string;
  let stateDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zonedns-xfr-reload-'));
    file = join(dir, 'r.test.zone');
    stateDir = join(dir, 'state');
  });
  /** Every manager started, closed after each test (their load workers end with them). */
  const managers: ZoneManager[] = [];
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** One "process": registry, manager, service, handler context. */
  async function start(lines: string[] = []) {
    const registry = new ZoneRegistry();
    const transport = new Recorder();
    const log = linesLogger(lines);
    const notifier = new Notifier({ transport, log });
    const service = new XfrService({ log, stateDir, notifier });
    const manager = new ZoneManager(registry, log, undefined, [{
      file, origin: nameFromText('r.test.'), transfer: new TransferPolicy({ allow: ['127.0.0.1'] }), notify: [parseNotifyTarget('127.0.0.1:5399')],
    }], {}, service, new StateStore(stateDir, log));
    managers.push(manager);
    await manager.loadAll();
    const ctx: HandlerContext = { registry, rotator: new Rotator('cyclic'), maxUdp: 1232, xfr: { log } };
    const handle = () => registry.get(nameFromText('r.test.'))!;
    const ixfr = (serial: number) => answers([...(handleStreamMessage(transferQuery('r.test', 'IXFR', { serial }), ctx, '127.0.0.1') as Iterable<Buffer>)]);
    return { registry, transport, notifier, service, manager, handle, ixfr, lines };
  }

  it('a serial change records one entry; IXFR answers from it; NOTIFY carries the new serial', async () => {
    writeFileSync(file, ZONE(1));
    const p = await start();
    expect(p.handle().journal?.entries).toHaveLength(0);
    expect(p.transport.sent).toEqual([]); // nothing before the server listens
    p.service.start();
    expect(p.transport.sent).toEqual([{ serial: 1, target: '127.0.0.1:5399' }]);

    writeFileSync(file, ZONE(2, 'new A 192.0.2.99\n'));
    await p.manager.pathChanged(file);
    expect(p.handle().snapshot!.serial).toBe(2);
    expect(p.handle().journal!.entries.map((e) => [e.from, e.to])).toEqual([[1, 2]]);
    expect(p.transport.sent.map((s) => s.serial)).toEqual([1, 2]);
    expect(p.ixfr(1).map((r) => r.type)).toEqual([RRType.SOA, RRType.SOA, RRType.SOA, RRType.A, RRType.SOA]);
    expect(p.lines.some((l) => l.startsWith('info journal entry recorded') && l.includes('"added":1'))).toBe(true);
    await p.notifier.close();
  });

  it('the journal survives a restart; an edit made while down starts a new one', async () => {
    writeFileSync(file, ZONE(1));
    const a = await start();
    writeFileSync(file, ZONE(2, 'x A 192.0.2.2\n'));
    await a.manager.pathChanged(file);
    writeFileSync(file, ZONE(3, 'x A 192.0.2.3\n'));
    await a.manager.pathChanged(file);
    await a.notifier.close();

    const b = await start();
    expect(b.handle().journal!.entries.map((e) => [e.from, e.to])).toEqual([[1, 2], [2, 3]]);
    expect(b.ixfr(1).map((r) => r.type)).toEqual([RRType.SOA, RRType.SOA, RRType.SOA, RRType.A, RRType.SOA]);
    await b.notifier.close();

    writeFileSync(file, ZONE(4, 'x A 192.0.2.4\n')); // while "down"
    const c = await start();
    expect(c.handle().journal!.entries).toHaveLength(0);
    expect(c.lines.some((l) => l.includes('journal does not end at the loaded serial'))).toBe(true);
    // IXFR from 3 now falls back to a full answer (AXFR-style: the second RR is not an SOA).
    const full = c.ixfr(3);
    expect(full[1]!.type).not.toBe(RRType.SOA);
    await c.notifier.close();
  });

  it('content changed under the same serial empties the journal; a failed reload or a serial going back changes nothing', async () => {
    writeFileSync(file, ZONE(1));
    const p = await start();
    writeFileSync(file, ZONE(2, 'x A 192.0.2.2\n'));
    await p.manager.pathChanged(file);
    expect(p.handle().journal!.entries).toHaveLength(1);
    writeFileSync(file, ZONE(2, 'x A 192.0.2.3\n')); // same serial, other content
    await p.manager.pathChanged(file);
    expect(p.handle().journal!.entries).toHaveLength(0);

    writeFileSync(file, ZONE(3, 'x A 192.0.2.4\n'));
    await p.manager.pathChanged(file);
    expect(p.handle().journal!.entries).toHaveLength(1);
    writeFileSync(file, ZONE(3, 'x A 192.0.2.4\nbroken A not-an-address\n'));
    await p.manager.pathChanged(file);
    expect(p.handle().snapshot!.serial).toBe(3);
    expect(p.handle().journal!.entries).toHaveLength(1);

    writeFileSync(file, ZONE(1, 'x A 192.0.2.5\n')); // serial went back: refused, nothing changes
    await p.manager.pathChanged(file);
    expect(p.handle().snapshot!.serial).toBe(3);
    expect(p.handle().journal!.entries).toHaveLength(1);
    expect(p.lines.some((l) => l.startsWith('error zone file\'s SOA serial 1 is below the serial already served (3)'))).toBe(true);
    await p.notifier.close();
  });
});
