// A big zone's journal entry is found in slices of the event loop, not in the turn of the swap
// (two loads of the 1M-record bench zone take ~400 ms to compare): meanwhile the journal does not
// reach the served serial (an IXFR gets the whole zone), NOTIFY waits for the entry, entries of
// back-to-back swaps land in order, and an entry whose journal was emptied meanwhile is dropped.

import { describe, expect, it } from '@jest/globals';
import { diffSnapshots, SnapshotDiff } from '../../src/xfr/journal.js';
import { planIxfr } from '../../src/xfr/ixfr.js';
import { XfrService } from '../../src/xfr/service.js';
import { Notifier, parseNotifyTarget, type NotifyTarget, type NotifyTransport } from '../../src/xfr/notify.js';
import type { ZoneHandle } from '../../src/zone/registry.js';
import { linesLogger } from '../support/log.js';
import { NodeTable } from '../../src/zone/node-table.js';
import type { ZoneNode, ZoneSnapshot } from '../../src/zone/snapshot.js';
import { nameKey } from '../../src/dns/name.js';
import { name, packedCopy, rrLines, zoneFromText } from '../support/zones.js';

const NAMES = 30_000;

function big(serial: number, changed: number): ZoneSnapshot {
  const lines = [`$TTL 300\n@ SOA ns hostmaster ${serial} 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n`];
  for (let i = 0; i < NAMES; i++) lines.push(`h${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}\n`);
  lines.push(`changed A 198.51.100.${changed}\n`);
  return zoneFromText('big.test.', lines.join(''));
}

class Recorder implements NotifyTransport {
  sent = 0;
  send(_msg: Buffer, _target: NotifyTarget): void {
    this.sent++;
  }
  onMessage(): void {}
  async close(): Promise<void> {}
}

function setUp() {
  const lines: string[] = [];
  const logger = linesLogger(lines);
  const recorder = new Recorder();
  const notifier = new Notifier({ transport: recorder, log: logger });
  const service = new XfrService({ log: logger, notifier, defaultNotify: [parseNotifyTarget('192.0.2.53')] });
  service.start();
  const v1 = big(1, 1);
  const handle: ZoneHandle = { origin: v1.origin, snapshot: v1, options: {} };
  service.loaded(handle);
  const swap = (next: ZoneSnapshot, contentChanged = true) => {
    const old = handle.snapshot!;
    handle.snapshot = next;
    service.swapped(handle, old, contentChanged);
  };
  const recorded = async (serial: number) => {
    for (let i = 0; i < 2000 && handle.journal?.lastSerial !== serial; i++) await new Promise((r) => setImmediate(r));
    return handle.journal?.lastSerial;
  };
  return { service, handle, recorder, lines, v1, swap, recorded };
}

describe('journal entries of a big zone, in steps', () => {
  it('SnapshotDiff in steps finds what diffSnapshots finds', () => {
    const a = big(1, 1);
    const b = big(2, 2);
    const diff = new SnapshotDiff(a, b);
    let steps = 0;
    while (!diff.step(performance.now() - 1)) steps++;
    expect(steps).toBeGreaterThan(10);
    const stepped = diff.result();
    const whole = diffSnapshots(a, b);
    expect(rrLines(stepped.deleted)).toEqual(rrLines(whole.deleted));
    expect(rrLines(stepped.added)).toEqual(rrLines(whole.added));
    expect(rrLines(stepped.added)).toEqual(['changed.big.test. 300 A 198.51.100.2']);
  });

  it('of two packed versions (as reloads give them) finds the same, and keeps none of their nodes', () => {
    const a = big(1, 1);
    const b = big(2, 2);
    const pa = packedCopy(a, 1000);
    const pb = packedCopy(b, 1000);
    const diff = new SnapshotDiff(pa, pb);
    while (!diff.step(performance.now() + 1));
    const whole = diffSnapshots(a, b);
    expect(rrLines(diff.result().deleted)).toEqual(rrLines(whole.deleted));
    expect(rrLines(diff.result().added)).toEqual(rrLines(whole.added));
    // Nothing was made for good: a node asked for now is made now (find makes a new one each time until then).
    for (const table of [pa.nodes, pb.nodes] as Array<NodeTable<ZoneNode>>) {
      const key = nameKey(name('h7.big.test'));
      expect(table.find(key)).toBeDefined();
      expect(table.find(key)).not.toBe(table.find(key));
    }
    // A name only in the old version is found gone.
    const c = packedCopy(zoneFromText('big.test.', `$TTL 300\n@ SOA ns hostmaster 3 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n`));
    expect(rrLines(diffSnapshots(pb, c).deleted)).toContain('h7.big.test. 300 A 10.0.0.7');
  });

  it('is recorded after the swap, in order, and NOTIFY waits for it; an IXFR meanwhile gets the whole zone', async () => {
    const { handle, recorder, swap, recorded } = setUp();
    const sentAtLoad = recorder.sent;
    const v2 = big(2, 2);
    const v3 = big(3, 3);
    swap(v2);
    swap(v3);
    // Not in the turn of the swaps: the journal does not reach what is served yet.
    expect(handle.journal?.lastSerial).toBeUndefined();
    expect(planIxfr(v3, handle.journal, 1).kind).toBe('full');
    expect(recorder.sent).toBe(sentAtLoad);
    expect(await recorded(3)).toBe(3);
    expect(handle.journal!.entries.map((e) => [e.from, e.to])).toEqual([[1, 2], [2, 3]]);
    expect(rrLines(handle.journal!.entries[1]!.added)).toEqual(['changed.big.test. 300 A 198.51.100.3']);
    expect(planIxfr(v3, handle.journal, 1).kind).toBe('incremental');
    expect(recorder.sent).toBeGreaterThan(sentAtLoad);
  });

  it('an entry whose journal was emptied meanwhile (same serial, other content) is dropped', async () => {
    const { handle, swap } = setUp();
    swap(big(2, 2));
    swap(big(2, 9)); // same serial, other content: clients at 2 cannot be told apart
    for (let i = 0; i < 300; i++) await new Promise((r) => setImmediate(r));
    expect(handle.journal!.entries).toEqual([]);
  });
});
