// A zone's stage (the DNSSEC signer) gets one `prepare` at a time, now that loads run in the load
// worker: a refresh the stage asks for while a load is still in the worker waits for that load's
// `prepare`, then runs on what it served; a load asked for while the stage works follows it.

import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nameFromText } from '../../src/dns/name.js';
import type { Logger } from '../../src/log.js';
import { ZoneManager, type ZoneStage } from '../../src/reload/zones.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import type { ZoneSnapshot } from '../../src/zone/snapshot.js';

const ORIGIN = nameFromText('s.test.');
const ZONE = (serial: number) => `$ORIGIN s.test.\n$TTL 300\n@ SOA ns hostmaster ${serial} 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n`;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A stage whose every `prepare` waits until the test releases it, serving its source as is. */
class HeldStage implements ZoneStage {
  /** What each prepare was for: a load's fresh snapshot, or a restage of the served one. */
  readonly calls: Array<'load' | 'restage'> = [];
  inFlight = 0;
  maxInFlight = 0;
  restage: () => void = () => {};
  private readonly held: Array<() => void> = [];

  prepare(source: ZoneSnapshot, _served: ZoneSnapshot | undefined, sourceIsPrivate: boolean): Promise<ZoneSnapshot> {
    this.calls.push(sourceIsPrivate ? 'load' : 'restage');
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    return new Promise((resolve) => this.held.push(() => {
      this.inFlight--;
      resolve(source);
    }));
  }

  attach(restage: () => void): void {
    this.restage = restage;
  }

  /** Releases the oldest prepare waiting, once there is one (fails after 2 s without). */
  async releaseNext(): Promise<void> {
    for (const until = Date.now() + 2000; this.held.length === 0; await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() > until) throw new Error(`no prepare came (calls so far: ${this.calls.join(', ')})`);
    }
    this.held.shift()!();
  }
}

describe('one prepare at a time', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  async function start() {
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-stage-'));
    const file = join(dir, 's.test.zone');
    writeFileSync(file, ZONE(1));
    const stage = new HeldStage();
    const registry = new ZoneRegistry();
    const manager = new ZoneManager(registry, quiet, undefined, [{ file, origin: ORIGIN, stage }]);
    cleanup.push(() => manager.close(), () => rmSync(dir, { recursive: true, force: true }));
    await manager.loadAll();
    await stage.releaseNext();
    await manager.settled();
    return { file, stage, manager, serial: () => registry.get(ORIGIN)?.snapshot?.serial };
  }

  test('a restage asked for while a load is in the load worker runs after that load\'s prepare', async () => {
    const { file, stage, manager, serial } = await start();
    writeFileSync(file, ZONE(2));
    const loading = manager.pathChanged(file);
    stage.restage(); // a signature refresh falls due while the worker reads the file
    await loading;
    expect(stage.calls).toEqual(['load', 'load']);
    expect(stage.inFlight).toBe(1);
    await stage.releaseNext();
    await stage.releaseNext(); // the restage, on the version just served
    await manager.settled();
    expect(stage.calls).toEqual(['load', 'load', 'restage']);
    expect(stage.maxInFlight).toBe(1);
    expect(serial()).toBe(2);
  });

  test('a restage asked for during a load that fails still runs', async () => {
    const { file, stage, manager, serial } = await start();
    writeFileSync(file, 'not a zone\n');
    const loading = manager.pathChanged(file);
    stage.restage();
    await loading;
    await stage.releaseNext();
    await manager.settled();
    expect(stage.calls).toEqual(['load', 'restage']);
    expect(serial()).toBe(1);
  });

  test('a file change while the stage works is loaded after it', async () => {
    const { file, stage, manager, serial } = await start();
    stage.restage();
    writeFileSync(file, ZONE(3));
    await manager.pathChanged(file);
    expect(stage.calls).toEqual(['load', 'restage']);
    await stage.releaseNext();
    await stage.releaseNext(); // the load that waited
    await manager.settled();
    expect(stage.calls).toEqual(['load', 'restage', 'load']);
    expect(stage.maxInFlight).toBe(1);
    expect(serial()).toBe(3);
  });
});
