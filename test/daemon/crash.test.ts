// Crash test: a real `zonedns serve` process killed with SIGKILL at random moments, 200 times
// (ZONEDNS_CRASH_KILLS=N for a longer soak: `npm run soak:crash`), while it loads at start-up,
// reloads a zone file (serial auto: the serial is zonedns's choice), transfers a secondary zone
// from a primary that moves on between runs, writes that zone's copy, its journal and its state.
//
// What is checked, from the outside, every time:
//   - what a killed process had served is on disk: the recorded served serial (stateDir) is at
//     least the highest serial answered for the file zone, and the secondary's copy on disk has
//     at least the highest serial answered for it;
//   - a restart never answers lower than anything answered before, and never answers a serial
//     with other content than it had before (each zone has a marker TXT that differs per version);
//   - a restart serves exactly the last committed state: the recorded serial when the file is
//     the recorded content, a higher one when it is not;
//   - every few runs, IXFR from serials answered before either returns the whole zone or
//     differences that lead from that serial's marker to the current one (the journal agrees
//     with what is served).

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf } from '../../src/reload/fingerprint.js';
import { seededRandom } from '../support/rng.js';
import { startXfrPrimary, transfer, type XfrPrimary } from '../interop/support/xfr-server.js';
import { T } from '../interop/support/wire.js';
import { BIN, cleanupDaemons, Daemon, makeTempDir, pickPort, REPO_ROOT, sleep, soaSerialOf } from './support/daemon.js';

const KILLS = Number(process.env.ZONEDNS_CRASH_KILLS ?? 200);
const FILE_ZONE = 'f.crash';
const SEC_ZONE = 'x.crash';

const fileZone = (marker: number) => [
  `$ORIGIN ${FILE_ZONE}.`, '$TTL 300', '@ SOA ns hostmaster 1 3600 900 604800 300', '@ NS ns', 'ns A 192.0.2.1',
  `m TXT "f${marker}"`, ...Array.from({ length: 100 }, (_, i) => `h${i} A 10.1.${i >> 8}.${i & 255}`),
].join('\n') + '\n';
const secondaryZone = (serial: number) => [
  `$ORIGIN ${SEC_ZONE}.`, '$TTL 300', `@ SOA ns hostmaster ${serial} 3600 900 604800 300`, '@ NS ns', 'ns A 192.0.2.1',
  `m TXT "x${serial}"`, ...Array.from({ length: 1000 }, (_, i) => `h${i} AAAA 2001:db8::${i.toString(16)}`),
].join('\n') + '\n';

/** What one zone answered: serial -> marker, and the highest serial seen. */
class Seen {
  readonly markers = new Map<number, string>();
  max = -1;
  constructor(readonly zone: string) {}
  add(serial: number, marker: string, when: string): void {
    const before = this.markers.get(serial);
    if (before !== undefined && before !== marker) throw new Error(`${this.zone}: serial ${serial} answered with ${marker}, earlier with ${before} (${when})`);
    this.markers.set(serial, marker);
    this.max = Math.max(this.max, serial);
  }
}

let primary: XfrPrimary;
let dir: string;
let config: string;
let primarySerial = 1;
let fileMarker = 1;
const seen = { f: new Seen(FILE_ZONE), x: new Seen(SEC_ZONE) };
const stats = { kills: 0, observations: 0, killedBeforeReady: 0, reloadKills: 0, transferKills: 0, ixfrChecks: 0, incremental: 0 };

beforeAll(async () => {
  primary = await startXfrPrimary({ origin: SEC_ZONE, text: secondaryZone(primarySerial) });
  dir = makeTempDir('zonedns-crash-');
  mkdirSync(join(dir, 'zones'));
  writeFileSync(join(dir, 'zones', `${FILE_ZONE}.zone`), fileZone(fileMarker));
  config = join(dir, 'zonedns.json');
  writeFileSync(config, JSON.stringify({
    zonesDir: 'zones', stateDir: 'state', serial: 'auto', transfer: { allow: ['127.0.0.1'] },
    zones: [{ file: `secondary/${SEC_ZONE}.zone`, origin: SEC_ZONE, primaries: [`127.0.0.1:${primary.port}`] }],
  }));
});

/** Set when the file is done (a timed-out test body must not go on spawning into a removed directory). */
let finished = false;

afterAll(async () => {
  finished = true;
  for (const d of spawned) d.child.kill('SIGKILL');
  await Promise.all([...spawned].map((d) => d.exited));
  await cleanupDaemons();
  await primary?.close();
  process.stderr.write(`crash test: ${JSON.stringify(stats)}\n`);
});

/** One port for every run (a port picked anew each time may be taken meanwhile by other tests). */
let port = 0;
const portTaken = (d: Daemon) => d.lines.some((l) => l.includes('EADDRINUSE'));

const spawned = new Set<Daemon>();

async function spawnDaemon(): Promise<Daemon> {
  if (port === 0) port = await pickPort();
  const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--listen', `127.0.0.1:${port}`], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const d = new Daemon(child, dir, '127.0.0.1', port);
  spawned.add(d);
  void d.exited.then(() => spawned.delete(d));
  return d;
}

/** SOA serial, marker, SOA serial again: a consistent pair when both serials agree. */
async function observe(d: Daemon, zone: string): Promise<{ serial: number; marker: string } | undefined> {
  try {
    const serial = async () => {
      const a = await d.query(zone, 'SOA', { timeoutMs: 100 });
      return a.rcode === 0 ? soaSerialOf(a) : undefined;
    };
    const s1 = await serial();
    if (s1 === undefined) return undefined;
    const m = await d.query(`m.${zone}`, 'TXT', { timeoutMs: 100 });
    const s2 = await serial();
    if (s2 !== s1 || m.rcode !== 0) return undefined;
    return { serial: s1, marker: (m.answers[0] as unknown as { data: Buffer[] }).data.map((b) => b.toString()).join('') };
  } catch {
    return undefined;
  }
}

/** Observes both zones until `stop()` says so; the first observation of each zone after a start is returned. */
function watch(d: Daemon, when: string) {
  let running = true;
  const first: { f?: number; x?: number } = {};
  let rounds = 0;
  const done = (async () => {
    while (running && d.running) {
      for (const [key, zone] of [['f', FILE_ZONE], ['x', SEC_ZONE]] as const) {
        const o = await observe(d, zone);
        if (o === undefined) continue;
        stats.observations++;
        if (first[key] === undefined) {
          first[key] = o.serial;
          // Never lower than anything answered before the restart.
          if (o.serial < seen[key].max) throw new Error(`${zone}: first answer after a start has serial ${o.serial}, below ${seen[key].max} answered before (${when})`);
        }
        seen[key].add(o.serial, o.marker, when);
      }
      rounds++;
      await sleep(1);
    }
  })();
  /** Resolves after a round that saw both zones answer (bounded: 3 s). */
  const observed = async () => {
    const deadline = performance.now() + 3000;
    const from = rounds;
    while (performance.now() < deadline && d.running && !(rounds > from && first.f !== undefined && first.x !== undefined)) await sleep(2);
  };
  return { first, observed, stop: async () => { running = false; await done; } };
}

function committed() {
  const statePath = join(dir, 'state', `${FILE_ZONE}.state`);
  const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) as { served: { serial: number; fingerprint: string } } : undefined;
  const copyPath = join(dir, 'secondary', `${SEC_ZONE}.zone`);
  const copy = existsSync(copyPath) ? Number(/ serial (\d+),/.exec(readFileSync(copyPath, 'latin1').split('\n', 1)[0]!)![1]) : undefined;
  return { served: state?.served, copy };
}

/** IXFR from every serial answered lately: the whole zone, or differences from that serial's marker to the current one. */
async function checkJournal(d: Daemon, s: Seen, current: { serial: number; marker: string }): Promise<void> {
  const serials = [...s.markers.keys()].filter((x) => x < current.serial).slice(-5);
  for (const from of serials) {
    const r = await transfer(d.host, d.port, s.zone, { type: 'IXFR', serial: from, timeoutMs: 5000 });
    expect(r.rcode).toBe(0);
    stats.ixfrChecks++;
    if (r.rrs.length < 2 || r.rrs[1]!.type !== T.SOA) continue; // AXFR-style: the whole zone
    stats.incremental++;
    const markers = new Set([s.markers.get(from)!]);
    // RFC 1995 §4: each sequence is the old SOA, what it deletes, the new SOA, what it adds.
    let adding = true;
    for (const rr of r.rrs.slice(1, -1)) {
      if (rr.type === T.SOA) { adding = !adding; continue; }
      if (rr.type !== T.TXT || !rr.owner.toLowerCase().startsWith('\x01m')) continue;
      const text = Buffer.from(rr.canon, 'hex').subarray(1).toString();
      if (adding) markers.add(text); else markers.delete(text);
    }
    expect({ zone: s.zone, from, markers: [...markers] }).toEqual({ zone: s.zone, from, markers: [current.marker] });
  }
}

test(`SIGKILL at random points of start-up, reload, transfer and their writes, ${KILLS} times: nothing answered goes backwards`, async () => {
  const random = seededRandom(0x5eed12);
  let readyMs = 400;
  for (let i = 0; i < KILLS && !finished; i++) {
    const when = `run ${i}`;
    // Between runs: the primary moves on, the zone file may be edited (auto serial: no bump).
    if (random() < 0.6) await primary.update(secondaryZone(++primarySerial));
    if (random() < 0.3) writeFileSync(join(dir, 'zones', `${FILE_ZONE}.zone`), fileZone(++fileMarker));
    const before = committed();
    const fileIsCommitted = before.served !== undefined && fingerprintOf([join(dir, 'zones', `${FILE_ZONE}.zone`)]) === before.served.fingerprint;
    const started = performance.now();
    const d = await spawnDaemon();
    const w = watch(d, when);
    if (random() < 0.45) {
      // Anywhere in start-up: loading, recording serials, the transfer and its copy.
      await sleep(random() * (readyMs + 60));
      stats.transferKills++;
    } else {
      try {
        await d.waitForLog(/ info ready /, { timeoutMs: 10_000 });
      } catch (e) {
        await w.stop();
        if (!portTaken(d)) throw e;
        port = 0;
        i--;
        continue;
      }
      readyMs = 0.8 * readyMs + 0.2 * (performance.now() - started);
      await w.observed();
      // A reload with a new version, killed anywhere in it (build, state record, swap, journal).
      writeFileSync(join(dir, 'zones', `${FILE_ZONE}.zone`), fileZone(++fileMarker));
      d.signal('SIGHUP');
      await sleep(random() * 40);
      stats.reloadKills++;
    }
    if (!d.lines.some((l) => / info ready /.test(l))) stats.killedBeforeReady++;
    d.child.kill('SIGKILL');
    await d.exited;
    await w.stop();
    if (portTaken(d)) {
      port = 0;
      i--;
      continue;
    }
    stats.kills++;
    // The first answers of this run: exactly the committed state found at its start (the file
    // zone), never below the copy on disk (the secondary may have moved on already).
    if (w.first.f !== undefined && before.served !== undefined) {
      if (fileIsCommitted) expect({ when, first: w.first.f }).toEqual({ when, first: before.served.serial });
      else expect(w.first.f).toBeGreaterThan(before.served.serial);
    }
    if (w.first.x !== undefined && before.copy !== undefined) expect(w.first.x).toBeGreaterThanOrEqual(before.copy);
    // Everything answered is on disk.
    const after = committed();
    if (seen.f.max >= 0) expect({ when, recorded: (after.served?.serial ?? -1) >= seen.f.max }).toEqual({ when, recorded: true });
    if (seen.x.max >= 0) expect({ when, copy: (after.copy ?? -1) >= seen.x.max }).toEqual({ when, copy: true });

    if (i % 25 === 24 || i === KILLS - 1) {
      // A calm start: the journal agrees with what is served; the secondary catches up.
      const d2 = await spawnDaemon();
      const w2 = watch(d2, `${when} (check)`);
      await d2.waitForLog(/ info ready /, { timeoutMs: 10_000 });
      const target = primarySerial;
      await d2.waitFor(SEC_ZONE, 'SOA', (a) => a.rcode === 0 && soaSerialOf(a) === target, 10_000);
      await w2.stop();
      for (const [s, zone] of [[seen.f, FILE_ZONE], [seen.x, SEC_ZONE]] as const) {
        const now = await observe(d2, zone);
        expect(now).toBeDefined();
        await checkJournal(d2, s, now!);
      }
      await d2.stop('SIGTERM');
    }
  }
  expect(stats.kills).toBe(KILLS);
  // The runs did answer between the kills (the checks above had something to check).
  expect(stats.observations).toBeGreaterThan(KILLS);
  expect(seen.f.markers.size).toBeGreaterThan(KILLS / 10);
  expect(seen.x.markers.size).toBeGreaterThan(KILLS / 10);
}, Math.max(180_000, KILLS * 3000));
