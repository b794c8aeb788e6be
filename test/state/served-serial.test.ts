// Served serials across restarts (ZoneManager + StateStore + XfrService, in process; each start()
// is a new "process" over the same files): `auto` and `unixtime` continue from the recorded
// serial and never reuse one for other content; `keep` refuses a file whose serial went below
// what was served, at a reload (the old version answers on) and at a start (SERVFAIL); the
// journal is used after a restart only when it ends at the recorded serial with that content;
// a version whose serial cannot be recorded is not served; a configured zone that does not load
// answers SERVFAIL, not REFUSED.

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nameFromText } from '../../src/dns/name.js';
import type { SerialPolicy } from '../../src/reload/serial-policy.js';
import { ZoneManager } from '../../src/reload/zones.js';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { StateStore } from '../../src/state/zone-state.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { XfrService } from '../../src/xfr/service.js';
import { buildQuery, decode } from '../support/server.js';
import { linesLogger } from '../support/log.js';

const ORIGIN = nameFromText('r.test.');
const ZONE = (serial: number, extra = '') => `$ORIGIN r.test.\n$TTL 300\n@ SOA ns hostmaster ${serial} 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n${extra}`;

/** The parts of a decoded reply these tests look at. */
interface Reply {
  rcode: string;
  answers?: Array<{ data?: unknown }>;
}
function ask(ctx: HandlerContext, qname: string, qtype = 'A'): Reply {
  return decode(handleMessage(buildQuery(qname, qtype), 'udp', ctx)!) as unknown as Reply;
}

describe('served serials survive restarts', () => {
  let dir: string;
  let file: string;
  let stateDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zonedns-served-'));
    file = join(dir, 'r.test.zone');
    stateDir = join(dir, 'state');
  });
  /** Every manager started, closed after each test (their load workers end with them). */
  const managers: ZoneManager[] = [];
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** One "process" over the same files. */
  async function start(serial: SerialPolicy = 'keep', opts: { stateDir?: string | null } = {}) {
    const lines: string[] = [];
    const log = linesLogger(lines);
    const registry = new ZoneRegistry();
    const sd = opts.stateDir === null ? undefined : opts.stateDir ?? stateDir;
    const service = new XfrService({ log, stateDir: sd });
    const events = { loaded: service.loaded.bind(service), swapped: service.swapped.bind(service), removed: service.removed.bind(service), historyBroken: service.historyBroken.bind(service) };
    const manager = new ZoneManager(registry, log, undefined, [{ file, origin: ORIGIN }], { serial }, events, sd === undefined ? undefined : new StateStore(sd, log));
    managers.push(manager);
    await manager.loadAll();
    const ctx: HandlerContext = { registry, rotator: new Rotator('none'), maxUdp: 1232 };
    const edit = async (text: string) => {
      writeFileSync(file, text);
      await manager.pathChanged(file);
    };
    const handle = () => registry.get(ORIGIN);
    return { lines, registry, manager, ask: (qname: string, qtype?: string) => ask(ctx, qname, qtype), edit, handle, served: () => handle()?.snapshot?.serial };
  }

  it('auto: a restart serves the recorded serial again for the same content and the next one for other content', async () => {
    const today = Number(new Date().toISOString().slice(0, 10).replace(/-/g, '')) * 100;
    writeFileSync(file, ZONE(1));
    const a = await start('auto');
    expect(a.served()).toBe(today);
    await a.edit(ZONE(1, 'new A 192.0.2.2\n')); // no bump: auto moves it
    expect(a.served()).toBe(today + 1);

    // The scenario: restart, the same content: the same serial, not today's first again.
    const b = await start('auto');
    expect(b.served()).toBe(today + 1);
    expect(b.handle()!.journal!.entries.map((e) => [e.from, e.to])).toEqual([[today, today + 1]]);
    // Another edit: a serial no secondary has seen with other content.
    await b.edit(ZONE(1, 'new A 192.0.2.3\n'));
    expect(b.served()).toBe(today + 2);

    // Edited while stopped: the restart moves past every serial served before; the journal
    // (ending at today+2, other content) is not used.
    writeFileSync(file, ZONE(1, 'new A 192.0.2.4\n'));
    const c = await start('auto');
    expect(c.served()).toBe(today + 3);
    expect(c.handle()!.journal!.entries).toEqual([]);
    expect(c.ask('new.r.test').answers!.map((r) => r.data)).toEqual(['192.0.2.4']);
  });

  it('unixtime: continues above a recorded serial that is ahead of the clock', async () => {
    const ahead = Math.floor(Date.now() / 1000) + 1_000_000;
    writeFileSync(file, ZONE(ahead));
    const a = await start('unixtime');
    expect(a.served()).toBe(ahead);
    writeFileSync(file, ZONE(1, 'x A 192.0.2.9\n')); // serial reset in the file while stopped
    const b = await start('unixtime');
    expect(b.served()).toBe(ahead + 1);
    const c = await start('unixtime'); // same content again: same serial
    expect(c.served()).toBe(ahead + 1);
  });

  it('keep: a lower serial is refused at a reload (the served version answers on) and at a start (SERVFAIL)', async () => {
    writeFileSync(file, ZONE(10, 'x A 192.0.2.10\n'));
    const a = await start('keep');
    await a.edit(ZONE(9, 'x A 192.0.2.9\n'));
    expect(a.served()).toBe(10);
    expect(a.ask('x.r.test').answers!.map((r) => r.data)).toEqual(['192.0.2.10']);
    expect(a.lines.find((l) => l.startsWith('error zone file\'s SOA serial 9 is below the serial already served (10); not loaded: give it a serial above 10, or use serial auto'))).toBeDefined();

    const b = await start('keep');
    expect(b.handle()!.snapshot).toBeUndefined();
    expect(b.ask('x.r.test').rcode).toBe('SERVFAIL');
    expect(b.ask('r.test', 'SOA').rcode).toBe('SERVFAIL');
    await b.edit(ZONE(11, 'x A 192.0.2.11\n'));
    expect(b.served()).toBe(11);
    expect(b.ask('x.r.test').answers!.map((r) => r.data)).toEqual(['192.0.2.11']);
    // Wrapping (RFC 1982): 11 + 2^31 - 1 is above 11; a serial 2^31 away is not comparable: refused.
    await b.edit(ZONE((11 + 2 ** 31) >>> 0, 'x A 192.0.2.12\n'));
    expect(b.served()).toBe(11);
  });

  it('keep: the same serial with other content (edited while stopped) is served with a warning, and the journal is not used', async () => {
    writeFileSync(file, ZONE(1));
    const a = await start('keep');
    await a.edit(ZONE(2, 'x A 192.0.2.2\n'));
    expect(a.handle()!.journal!.entries).toHaveLength(1);
    writeFileSync(file, ZONE(2, 'x A 192.0.2.3\n'));
    const b = await start('keep');
    expect(b.served()).toBe(2);
    expect(b.lines.find((l) => l.startsWith('warn zone content changed but the SOA serial did not increase (edited while zonedns was stopped)'))).toBeDefined();
    expect(b.handle()!.journal!.entries).toEqual([]);
    // Unchanged: the journal is kept.
    await b.edit(ZONE(3, 'x A 192.0.2.4\n'));
    const c = await start('keep');
    expect(c.handle()!.journal!.entries.map((e) => [e.from, e.to])).toEqual([[2, 3]]);
  });

  it('a journal that ends below the recorded serial (a crash between the record and the journal entry) is emptied', async () => {
    writeFileSync(file, ZONE(1));
    const a = await start('keep');
    await a.edit(ZONE(2, 'x A 192.0.2.2\n'));
    const journal = readFileSync(join(stateDir, 'r.test.journal'));
    await a.edit(ZONE(3, 'x A 192.0.2.3\n'));
    writeFileSync(join(stateDir, 'r.test.journal'), journal); // as if killed before the 2 -> 3 entry was written
    const b = await start('keep');
    expect(b.served()).toBe(3);
    expect(b.handle()!.journal!.entries).toEqual([]);
  });

  it('a version whose serial cannot be recorded is not served: the old one answers on; at a start, SERVFAIL', async () => {
    writeFileSync(file, ZONE(1, 'x A 192.0.2.1\n'));
    const a = await start('keep');
    // The state file's temp name taken by a directory: every state write fails.
    mkdirSync(join(stateDir, `r.test.state.tmp-${process.pid}`));
    await a.edit(ZONE(2, 'x A 192.0.2.2\n'));
    expect(a.served()).toBe(1);
    expect(a.lines.filter((l) => l.startsWith('error cannot write the zone\'s state'))).toHaveLength(1);
    expect(a.lines.find((l) => l.startsWith('error zone version not served: its serial could not be recorded'))).toBeDefined();
    rmSync(join(stateDir, 'r.test.state'));
    const b = await start('keep');
    expect(b.handle()!.snapshot).toBeUndefined();
    expect(b.ask('x.r.test').rcode).toBe('SERVFAIL');
  });

  it('a configured zone whose file does not load answers SERVFAIL (not REFUSED); a name outside every zone stays REFUSED', async () => {
    writeFileSync(file, ZONE(1, 'bad A not-an-address\n'));
    const a = await start('keep', { stateDir: null });
    expect(a.handle()).toBeDefined();
    expect(a.ask('www.r.test').rcode).toBe('SERVFAIL');
    expect(a.ask('other.test').rcode).toBe('REFUSED');
    await a.edit(ZONE(1, 'good A 192.0.2.7\n'));
    expect(a.ask('good.r.test').answers!.map((r) => r.data)).toEqual(['192.0.2.7']);
  });

  it('a zones-directory file that does not load holds its origin (SERVFAIL) until it loads', async () => {
    const zonesDir = join(dir, 'zones');
    mkdirSync(zonesDir);
    writeFileSync(join(zonesDir, 'd.test.zone'), '$ORIGIN d.test.\n@ 300 SOA ns h 1 1 1 1 1\n@ NS ns\nns A 999.1.1.1\n');
    const lines: string[] = [];
    const registry = new ZoneRegistry();
    const manager = new ZoneManager(registry, linesLogger(lines), zonesDir);
    managers.push(manager);
    await manager.loadAll();
    const ctx: HandlerContext = { registry, rotator: new Rotator('none'), maxUdp: 1232 };
    expect(ask(ctx, 'ns.d.test').rcode).toBe('SERVFAIL');
    writeFileSync(join(zonesDir, 'd.test.zone'), '$ORIGIN d.test.\n@ 300 SOA ns h 1 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n');
    await manager.pathChanged(join(zonesDir, 'd.test.zone'));
    expect(ask(ctx, 'ns.d.test').rcode).toBe('NOERROR');
    // Removed: no longer ours at all.
    rmSync(join(zonesDir, 'd.test.zone'));
    await manager.pathChanged(join(zonesDir, 'd.test.zone'));
    expect(ask(ctx, 'ns.d.test').rcode).toBe('REFUSED');
  });
});
