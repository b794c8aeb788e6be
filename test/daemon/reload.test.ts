// Hot reload of a running `zonedns serve` process: every way a zone file changes on disk in real
// life (editor save, sed -i, delete + recreate, Kubernetes ConfigMap symlink swap, $INCLUDE edit,
// new / removed files), broken edits that must not take the zone down, and the serial warning.

import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUNDLED_EXAMPLE, BUNDLED_EXAMPLE_A, BUNDLED_SERIAL, BUNDLED_ZONES, cleanupDaemons, exampleA, exampleZone, hasA, RCODE,
  readyZoneCount, sleep, startDaemon, values, type Answer, type Daemon,
} from './support/daemon.js';

afterEach(cleanupDaemons);

const ZONE = 'example.com.zone';
const oldA = hasA(...BUNDLED_EXAMPLE_A);
const reloaded = (serial: number, previous: number) =>
  new RegExp(` info zone reloaded zone=example\\.com\\. serial=${serial} .*previous=${previous}$`);

/** Queries `n` times over UDP and TCP; each answer must satisfy `pred`. */
async function assertStable(d: Daemon, n: number, pred: (a: Answer) => boolean, name = 'example.com', type = 'A'): Promise<void> {
  for (let i = 0; i < n; i++) {
    for (const transport of ['udp', 'tcp'] as const) {
      const a = await d.query(name, type, { transport });
      expect({ i, transport, rcode: a.rcode, a: values(a, type), ok: pred(a) }).toMatchObject({ ok: true });
    }
  }
}

describe('a changed zone file is served without a restart', () => {
  test('edit in place (writeFileSync over the same inode) with a new serial', async () => {
    const d = await startDaemon();
    expect(oldA(await d.query('example.com', 'A'))).toBe(true);

    const since = d.mark();
    d.write(ZONE, exampleZone(BUNDLED_SERIAL + 1, '192.0.2.101'));
    await d.waitFor('example.com', 'A', hasA(...exampleA('192.0.2.101')));
    await d.waitForLog(reloaded(BUNDLED_SERIAL + 1, BUNDLED_SERIAL), { since });
    // TCP sees the same snapshot; the other zones were left alone.
    expect(hasA(...exampleA('192.0.2.101'))(await d.query('example.com', 'A', { transport: 'tcp' }))).toBe(true);
    expect(d.logLines(/zone reloaded zone=(dev\.test|2\.0\.192)/, since)).toEqual([]);
    expect(d.logLines(/ (warn|error) /)).toEqual([]);

    // A second edit of the same file works as well (the watch survived the first).
    d.write(ZONE, exampleZone(BUNDLED_SERIAL + 2, '192.0.2.102'));
    await d.waitFor('example.com', 'A', hasA(...exampleA('192.0.2.102')));
  });

  test('rename-over (temp file in the same dir renamed onto the zone file: sed -i / vim style)', async () => {
    const d = await startDaemon();
    for (const [i, addr] of [[1, '192.0.2.111'], [2, '192.0.2.112']] as const) {
      const since = d.mark();
      const tmp = d.path(`sed${i}Xk3q`);
      writeFileSync(tmp, exampleZone(BUNDLED_SERIAL + i, addr));
      renameSync(tmp, d.path(ZONE));
      await d.waitFor('example.com', 'A', hasA(...exampleA(addr)));
      await d.waitForLog(reloaded(BUNDLED_SERIAL + i, BUNDLED_SERIAL + i - 1), { since });
    }
    expect(d.logLines(/ (warn|error) /)).toEqual([]);
  });

  test('delete, then recreate: REFUSED once the removal is logged, then the new content', async () => {
    const d = await startDaemon();
    const since = d.mark();
    const unlinkedAt = performance.now();
    unlinkSync(d.path(ZONE));

    // Observed during the gap: the old answer until the watcher fires (150 ms debounce), then
    // REFUSED. Once the removal line is in the log, every answer must be REFUSED.
    const seen: string[] = [];
    const deadline = performance.now() + 5000;
    for (let removed = false; !removed;) {
      removed = d.logLines(/ info zone removed: its file is gone zone=example\.com\. /, since).length > 0;
      const a = await d.query('example.com', 'A');
      const what = oldA(a) ? 'old' : a.rcode === RCODE.REFUSED ? 'REFUSED' : `unexpected rcode=${a.rcode} ${values(a, 'A')}`;
      if (seen[seen.length - 1] !== what) seen.push(what);
      if (removed) expect(what).toBe('REFUSED');
      else expect(['old', 'REFUSED']).toContain(what);
      if (performance.now() > deadline) throw new Error(`no removal log line within 5 s; saw ${seen}; log:\n${d.log()}`);
      if (!removed) await sleep(25);
    }
    console.log(`delete + recreate: answers seen between unlink and the removal log: ${seen.join(' -> ')}`
      + ` (removal observed ${Math.round(performance.now() - unlinkedAt)} ms after unlink)`);
    // Other zones keep serving.
    expect(values(await d.query('10.2.0.192.in-addr.arpa', 'PTR'), 'PTR')).toEqual(['example.com']);

    const since2 = d.mark();
    d.write(ZONE, exampleZone(BUNDLED_SERIAL + 1, '192.0.2.121'));
    await d.waitFor('example.com', 'A', hasA(...exampleA('192.0.2.121')));
    // It is a new zone as far as the server is concerned: "loaded", not "reloaded".
    await d.waitForLog(new RegExp(` info zone loaded zone=example\\.com\\. serial=${BUNDLED_SERIAL + 1} `), { since: since2 });
    // And the recreated file is watched: a further edit is picked up.
    d.write(ZONE, exampleZone(BUNDLED_SERIAL + 2, '192.0.2.122'));
    await d.waitFor('example.com', 'A', hasA(...exampleA('192.0.2.122')));
  });

  test('delete and immediately recreate (rm + cp in a deploy script): never REFUSED, then the new content', async () => {
    const d = await startDaemon();
    const newA = hasA(...exampleA('192.0.2.125'));
    unlinkSync(d.path(ZONE));
    d.write(ZONE, exampleZone(BUNDLED_SERIAL + 1, '192.0.2.125'));
    const seen: string[] = [];
    await d.waitFor('example.com', 'A', (a) => {
      const what = oldA(a) ? 'old' : newA(a) ? 'new' : `rcode=${a.rcode} ${values(a, 'A')}`;
      if (seen[seen.length - 1] !== what) seen.push(what);
      return what === 'new';
    });
    expect(seen.filter((w) => w !== 'old' && w !== 'new')).toEqual([]);
    expect(d.logLines(/ zone removed/)).toEqual([]);
  });

  test('Kubernetes ConfigMap symlink swap: zone -> ..data/zone, ..data -> timestamped dir, ..data renamed over', async () => {
    // Exactly what kubelet's AtomicWriter does: write a new timestamped dir, point a temp
    // symlink at it, rename the temp symlink over ..data, remove the old dir.
    const stamp = (n: number) => `..2026_11_24_06_40_0${n}.00000000${n}`;
    const writeVersion = (dir: string, n: number, example: string) => {
      mkdirSync(join(dir, stamp(n)));
      for (const f of readdirSync(BUNDLED_ZONES).filter((f) => f.endsWith('.zone'))) {
        writeFileSync(join(dir, stamp(n), f), f === ZONE ? example : readFileSync(join(BUNDLED_ZONES, f)));
      }
    };
    const d = await startDaemon({
      bundled: false,
      setup(dir) {
        writeVersion(dir, 1, BUNDLED_EXAMPLE);
        symlinkSync(stamp(1), join(dir, '..data'));
        for (const f of readdirSync(BUNDLED_ZONES).filter((f) => f.endsWith('.zone'))) symlinkSync(join('..data', f), join(dir, f));
      },
    });
    expect(readyZoneCount(d)).toBe(3);
    expect(oldA(await d.query('example.com', 'A'))).toBe(true);

    for (const [n, addr] of [[2, '192.0.2.131'], [3, '192.0.2.132']] as const) {
      const since = d.mark();
      writeVersion(d.dir, n, exampleZone(BUNDLED_SERIAL + n - 1, addr));
      symlinkSync(stamp(n), d.path('..data_tmp'));
      renameSync(d.path('..data_tmp'), d.path('..data'));
      rmSync(d.path(stamp(n - 1)), { recursive: true });
      await d.waitFor('example.com', 'A', hasA(...exampleA(addr)));
      await d.waitForLog(reloaded(BUNDLED_SERIAL + n - 1, BUNDLED_SERIAL + n - 2), { since });
    }
    // The unchanged zones are still served.
    expect(values(await d.query('x.dev.test', 'A'), 'A')).toEqual(['127.0.0.1']);
    expect(values(await d.query('25.2.0.192.in-addr.arpa', 'PTR'), 'PTR')).toEqual(['mail1.example.com']);
    expect(d.logLines(/ error /)).toEqual([]);
  });
});

describe('a broken edit keeps the previous version serving', () => {
  /** The bundled zone with `line` inserted after the line starting with `after`; returns text and the 1-based line number. */
  function insertAfter(text: string, after: RegExp, line: string): { text: string; lineNo: number } {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => after.test(l));
    if (i < 0) throw new Error(`no line matching ${after}`);
    lines.splice(i + 1, 0, line);
    return { text: lines.join('\n'), lineNo: i + 2 };
  }

  test.each([
    // [what, the inserted line, the token the error points at, message]
    ['a bad IPv4 address', 'bad     IN A    999.1.1.1', '999.1.1.1', /bad IPv4 address "999\.1\.1\.1"/],
    ['an unclosed parenthesis', 'broken  IN TXT   ( "never closed"', '(', /unbalanced parentheses: "\(" at line \d+ is never closed/],
  ])('%s: old answers persist, error logged as example.com.zone:LINE:COL, a fixed edit then loads', async (_what, badLine, token, message) => {
    const d = await startDaemon();
    const { text, lineNo } = insertAfter(exampleZone(BUNDLED_SERIAL + 1, '192.0.2.141'), /^www\s+IN CNAME/, badLine);
    const since = d.mark();
    d.write(ZONE, text);

    const err = await d.waitForLog(/ error .*example\.com\.zone:\d+/, { since });
    expect(err).toContain(` error ${d.path(ZONE)}:${lineNo}:${badLine.indexOf(token) + 1}: `);
    expect(err).toMatch(message);
    const at = /at line (\d+)/.exec(err);
    if (at) expect(Number(at[1])).toBe(lineNo);
    await d.waitForLog(new RegExp(` error zone reload failed; still serving the previous version zone=example\\.com\\. .*serving=${BUNDLED_SERIAL}$`), { since });
    // Several queries after the error line: the old data, over both transports.
    await assertStable(d, 4, oldA);
    expect(values(await d.query('www.example.com', 'CNAME'), 'CNAME')).toEqual(['example.com']);
    expect(d.logLines(/ info zone reloaded /, since)).toEqual([]);

    // Fix it (keeping the new serial and address): the new version loads.
    const since2 = d.mark();
    d.write(ZONE, exampleZone(BUNDLED_SERIAL + 1, '192.0.2.141'));
    await d.waitFor('example.com', 'A', hasA(...exampleA('192.0.2.141')));
    await d.waitForLog(reloaded(BUNDLED_SERIAL + 1, BUNDLED_SERIAL), { since: since2 });
    expect(d.running).toBe(true);
  });
});

describe('the zones directory', () => {
  test('a new *.zone file starts being served; a removed one is REFUSED after the removal log line', async () => {
    const d = await startDaemon();
    expect((await d.query('www.new.test', 'A')).rcode).toBe(RCODE.REFUSED);

    let since = d.mark();
    d.write('new.test.zone', [
      '$ORIGIN new.test.', '$TTL 300',
      '@   IN SOA ns1.new.test. admin.new.test. 1 3600 600 86400 60',
      '    IN NS ns1', 'ns1 IN A 192.0.2.201', 'www IN A 192.0.2.202', '',
    ].join('\n'));
    const a = await d.waitFor('www.new.test', 'A', hasA('192.0.2.202'));
    expect(a.packet.flags! & 0x0400).toBeTruthy();
    await d.waitForLog(/ info zone loaded zone=new\.test\. serial=1 /, { since });
    // The existing zones were not disturbed.
    expect(oldA(await d.query('example.com', 'A'))).toBe(true);

    since = d.mark();
    unlinkSync(d.path('dev.test.zone'));
    await d.waitForLog(/ info zone removed: its file is gone zone=dev\.test\. /, { since });
    for (const name of ['dev.test', 'myapp.dev.test']) {
      for (const transport of ['udp', 'tcp'] as const) expect((await d.query(name, 'A', { transport })).rcode).toBe(RCODE.REFUSED);
    }
    expect(hasA('192.0.2.202')(await d.query('www.new.test', 'A'))).toBe(true);
    expect(oldA(await d.query('example.com', 'A'))).toBe(true);
  });

  test('a new zone file that is broken is not served (SERVFAIL), and is served once fixed', async () => {
    const d = await startDaemon();
    const good = ['$ORIGIN new.test.', '$TTL 300', '@ IN SOA ns1 admin 1 3600 600 86400 60', '  IN NS ns1', 'ns1 IN A 192.0.2.211', ''];
    const since = d.mark();
    d.write('new.test.zone', [...good.slice(0, 4), 'ns1 IN A 192.0.2.300', ''].join('\n'));
    const err = await d.waitForLog(/ error .*new\.test\.zone:\d+/, { since });
    expect(err).toContain(`${d.path('new.test.zone')}:5:`);
    await d.waitForLog(/ error zone not loaded /, { since });
    // Ours, but not loaded: SERVFAIL (as BIND and Knot answer), not REFUSED.
    expect((await d.query('ns1.new.test', 'A')).rcode).toBe(RCODE.SERVFAIL);

    d.write('new.test.zone', good.join('\n'));
    await d.waitFor('ns1.new.test', 'A', hasA('192.0.2.211'));
  });

  test('an $INCLUDEd file edited reloads the zone that includes it (also an include added later)', async () => {
    const d = await startDaemon({
      files: {
        [ZONE]: `${BUNDLED_EXAMPLE.replace(/\n*$/, '\n')}$INCLUDE hosts.inc\n`,
        'hosts.inc': 'app     IN A    192.0.2.150\n',
      },
    });
    expect(values(await d.query('app.example.com', 'A'), 'A')).toEqual(['192.0.2.150']);

    let since = d.mark();
    writeFileSync(d.path('hosts.inc'), 'app     IN A    192.0.2.151\n');
    await d.waitFor('app.example.com', 'A', hasA('192.0.2.151'));
    await d.waitForLog(/ info zone reloaded zone=example\.com\. /, { since });

    // A broken include: the error names the include file and line, the zone keeps serving.
    since = d.mark();
    writeFileSync(d.path('hosts.inc'), 'app     IN A    192.0.2.151\nbroken  IN MX   mail1\n');
    const err = await d.waitForLog(/ error .*hosts\.inc:\d+/, { since });
    expect(err).toContain(` error ${d.path('hosts.inc')}:2:`);
    await d.waitForLog(/ error zone reload failed; still serving the previous version zone=example\.com\. /, { since });
    expect(values(await d.query('app.example.com', 'A'), 'A')).toEqual(['192.0.2.151']);

    // The include now includes another file; editing that one reloads the zone too.
    since = d.mark();
    writeFileSync(d.path('more.inc'), 'api     IN A    192.0.2.160\n');
    writeFileSync(d.path('hosts.inc'), 'app     IN A    192.0.2.151\n$INCLUDE more.inc\n');
    await d.waitFor('api.example.com', 'A', hasA('192.0.2.160'));
    writeFileSync(d.path('more.inc'), 'api     IN A    192.0.2.161\n');
    await d.waitFor('api.example.com', 'A', hasA('192.0.2.161'));
    expect(values(await d.query('app.example.com', 'A'), 'A')).toEqual(['192.0.2.151']);
    expect(d.logLines(/ error /, since)).toEqual([]);
  });

  test('content changed but the serial not increased: served anyway, with a warning naming the serial; a lower serial refused', async () => {
    const d = await startDaemon();
    const since = d.mark();
    d.write(ZONE, exampleZone(BUNDLED_SERIAL, '192.0.2.170'));
    await d.waitFor('example.com', 'A', hasA(...exampleA('192.0.2.170')));
    const warn = await d.waitForLog(/ warn .*serial did not increase/, { since });
    expect(warn).toContain('zone=example.com.');
    expect(warn).toContain(`serial=${BUNDLED_SERIAL}`);
    expect(warn).toContain(`previous=${BUNDLED_SERIAL}`);

    // A lower serial is refused: secondaries would ignore it (RFC 1982). The served version answers on.
    const since2 = d.mark();
    d.write(ZONE, exampleZone(BUNDLED_SERIAL - 1, '192.0.2.171'));
    const refused = await d.waitForLog(/ error zone file's SOA serial \d+ is below the serial already served/, { since: since2 });
    expect(refused).toContain(`SOA serial ${BUNDLED_SERIAL - 1} is below the serial already served (${BUNDLED_SERIAL})`);
    expect(values(await d.query('example.com', 'A'), 'A')).toEqual(exampleA('192.0.2.170').sort());

    // A proper bump does not warn.
    const since3 = d.mark();
    d.write(ZONE, exampleZone(BUNDLED_SERIAL + 1, '192.0.2.172'));
    await d.waitFor('example.com', 'A', hasA(...exampleA('192.0.2.172')));
    await d.waitForLog(reloaded(BUNDLED_SERIAL + 1, BUNDLED_SERIAL), { since: since3 });
    expect(d.logLines(/ warn /, since3)).toEqual([]);
  });

  test('with --serial auto, content changed without a serial bump is served with a higher SOA serial and no warning', async () => {
    const d = await startDaemon({ args: ['--serial', 'auto'] });
    const soaSerial = async () => {
      const a = await d.query('example.com', 'SOA');
      expect(a.answers).toHaveLength(1);
      return (a.answers[0] as { data: { serial: number } }).data.serial;
    };
    const before = await soaSerial();
    expect(before).toBeGreaterThanOrEqual(BUNDLED_SERIAL);
    const since = d.mark();
    d.write(ZONE, exampleZone(BUNDLED_SERIAL, '192.0.2.175'));
    await d.waitFor('example.com', 'A', hasA(...exampleA('192.0.2.175')));
    const after = await soaSerial();
    // RFC 1982 "greater" (no wrap-around anywhere near these values).
    expect(after).toBeGreaterThan(before);
    expect(d.logLines(/ warn /, since)).toEqual([]);
  });

  test('two files defining the same zone: the second is refused; when the first goes away, the second takes over', async () => {
    const d = await startDaemon();
    // Sorts after example.com.zone, so the bundled file is "the first".
    const since = d.mark();
    d.write('example.com.v2.zone', exampleZone(BUNDLED_SERIAL + 1, '192.0.2.181'));
    await d.waitForLog(/ error zone defined twice; keeping the first zone=example\.com\. .*example\.com\.v2\.zone/, { since });
    await assertStable(d, 2, oldA);

    // The operator removes the old file: example.com. is still defined, by example.com.v2.zone,
    // and a restart would serve it; the running server must converge to the same state.
    const since2 = d.mark();
    unlinkSync(d.path(ZONE));
    await d.waitForLog(/ info zone removed: its file is gone zone=example\.com\. /, { since: since2 });
    await d.waitFor('example.com', 'A', hasA(...exampleA('192.0.2.181')), 3000);
  });
});
