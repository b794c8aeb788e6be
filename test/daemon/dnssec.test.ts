// `zonedns serve` signing a zone, as an operator runs it: a real process with "dnssec" in its
// configuration. The zone is served signed (taken by AXFR, it passes our zone checks); restarted
// with SIGTERM, or killed with SIGKILL right after an edit, it comes back with the same key (the
// same DS for the registrar), a serial that never goes back, and a zone that still checks out; a
// zone file that brings its own RRSIGs is refused while the signed version keeps answering.

import { afterAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { loadZoneText } from '../../src/zone/load.js';
import { findings, ZONE } from '../dnssec/support/signing.js';
import { axfrLines, soaSerial, transfer, waitFor } from '../interop/support/xfr-server.js';
import { cleanupDaemons, runZonedns, startDaemon, type Daemon } from './support/daemon.js';

afterAll(cleanupDaemons);

const CONFIG = JSON.stringify({ zonesDir: '.', stateDir: 'state', dnssec: { nsec: 'nsec3' }, transfer: { allow: ['127.0.0.1'] } });

function start(dir?: string): Promise<Daemon> {
  return startDaemon({ dir, bundled: false, zonesDir: false, files: dir === undefined ? { 'example.test.zone': ZONE, 'zonedns.json': CONFIG } : {}, args: ['--config', 'zonedns.json'] });
}

/** The zone as the daemon serves it (AXFR), loaded back, and what our checks say about it now. */
async function served(d: Daemon): Promise<{ serial: number; records: string[]; problems: string[] }> {
  const axfr = await transfer(d.host, d.port, 'example.test');
  expect(axfr.rcode).toBe(0);
  const records = axfrLines(axfr.rrs);
  const zone = loadZoneText(records.join('\n') + '\n', { file: 'axfr' }).snapshot!;
  return { serial: zone.serial, records: records.sort(), problems: findings(zone, Date.now() / 1000) };
}

async function ds(d: Daemon): Promise<string> {
  const run = await runZonedns(['dnssec', 'ds', 'example.test', '--config', join(d.dir, 'zonedns.json')]);
  expect(run.code).toBe(0);
  return run.stdout;
}

describe('zonedns serve signing a zone', () => {
  test('restarts (SIGTERM, then SIGKILL after an edit) keep the key, the DS and the serial order; the zone always checks out', async () => {
    const d1 = await start();
    const first = await served(d1);
    expect(first.problems).toEqual([]);
    expect(first.records.some((r) => / IN RRSIG SOA /.test(r))).toBe(true);
    const ds1 = await ds(d1);
    expect(ds1).toMatch(/^example\.test\. IN DS \d+ 13 2 [0-9A-F]{64}\n$/);
    expect(d1.logLines(/DNSSEC key created/)).toHaveLength(1);

    expect(await d1.stop('SIGTERM')).toMatchObject({ code: 0 });
    const d2 = await start(d1.dir);
    const second = await served(d2);
    expect(second.serial).toBe(first.serial);
    expect(second.records).toEqual(first.records);
    expect(await ds(d2)).toBe(ds1);
    expect(d2.logLines(/DNSSEC key created/)).toHaveLength(0);

    // An edit, then SIGKILL as soon as it is served (its signed copy may or may not be on disk).
    d2.write('example.test.zone', ZONE.replace('www A 192.0.2.3', 'www A 192.0.2.4'));
    await waitFor('the edit to be served', async () => ((await soaSerial(d2.host, d2.port, 'example.test')) === first.serial + 1 ? true : undefined));
    d2.signal('SIGKILL');
    await d2.exited;
    const d3 = await start(d1.dir);
    const third = await served(d3);
    // The edit's serial, or one more if its signed copy was not on disk yet: never back.
    expect([first.serial + 1, first.serial + 2]).toContain(third.serial);
    expect(third.problems).toEqual([]);
    expect(third.records.some((r) => /^www\.example\.test\. \d+ IN A 192\.0\.2\.4$/.test(r))).toBe(true);
    expect(await ds(d3)).toBe(ds1);

    // A zone file with DNSSEC records of its own is refused; the signed version keeps answering.
    const mark = d3.mark();
    d3.write('example.test.zone', `${ZONE}www RRSIG A 13 3 3600 20270101000000 20261201000000 1 example.test. AAAA\n`);
    await d3.waitForLog(/the zone file has DNSSEC records \(RRSIG at www\.example\.test\.\)/, { since: mark });
    expect(await soaSerial(d3.host, d3.port, 'example.test')).toBe(third.serial);
    expect(await d3.stop('SIGTERM')).toMatchObject({ code: 0 });
  });
});
