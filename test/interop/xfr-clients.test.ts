// Standard tools against zonedns as a primary: `kdig -t AXFR` and `dig AXFR` complete, SOA first
// and last, with every record of the zone; `dig IXFR=N` gets the condensed difference; a client
// address outside the ACL (127.0.0.2, still loopback) gets REFUSED from both tools and from a
// raw client.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { xfrZoneText, XFR_ZONE } from './support/xfr-scenario.js';
import { startXfrPrimary, transfer, type XfrPrimary } from './support/xfr-server.js';
import { T } from './support/wire.js';

const run = promisify(execFile);

/** RR lines of dig/kdig output (no comments, no blank lines), whitespace collapsed. */
function rrLines(out: string): string[] {
  return out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';')).map((l) => l.trim().split(/\s+/).join(' '));
}

describeWithPeers('kdig and dig against the zonedns primary', ['kdig', 'dig'], () => {
  let primary: XfrPrimary;
  beforeAll(async () => {
    primary = await startXfrPrimary({ origin: XFR_ZONE, text: xfrZoneText(1) });
    await primary.update(xfrZoneText(2));
    await primary.update(xfrZoneText(3));
  });
  afterAll(() => primary.close());

  test('kdig -t AXFR: SOA first and last, every record', async () => {
    const { stdout } = await run(findProgram('kdig')!, [`@${primary.host}`, '-p', String(primary.port), '-t', 'AXFR', XFR_ZONE]);
    const lines = rrLines(stdout);
    expect(lines[0]).toMatch(/^xfr\.test\. 3600 IN SOA .* 3 3600 600 604800 300$/);
    expect(lines[lines.length - 1]).toBe(lines[0]);
    expect(lines).toHaveLength(primary.snapshot().recordCount + 1);
    expect(stdout).toMatch(/;; Received \d+ B \(\d+ messages, \d+ records\)/);
  });

  test('dig AXFR: SOA first and last, every record', async () => {
    const { stdout } = await run(findProgram('dig')!, [`@${primary.host}`, '-p', String(primary.port), XFR_ZONE, 'AXFR', '+nocmd']);
    const lines = rrLines(stdout);
    expect(lines[0]).toMatch(/ SOA .* 3 3600 600 604800 300$/);
    expect(lines[lines.length - 1]).toBe(lines[0]);
    expect(lines).toHaveLength(primary.snapshot().recordCount + 1);
    expect(stdout).not.toMatch(/Transfer failed/);
  });

  test('dig IXFR=1: the condensed difference from serial 1 to 3', async () => {
    const { stdout } = await run(findProgram('dig')!, [`@${primary.host}`, '-p', String(primary.port), XFR_ZONE, 'IXFR=1', '+nocmd']);
    const soas = rrLines(stdout).filter((l) => / SOA /.test(l)).map((l) => l.split(' ')[6]);
    expect(soas).toEqual(['3', '1', '3', '3']);
    expect(stdout).toMatch(/added-in-3\.xfr\.test\./);
    expect(stdout).toMatch(/h5\.xfr\.test\./); // deleted in 2
  });

  test('a client outside the ACL gets REFUSED (dig -b, kdig -b, and a raw client)', async () => {
    const dig = await run(findProgram('dig')!, ['-b', '127.0.0.2', `@${primary.host}`, '-p', String(primary.port), XFR_ZONE, 'AXFR', '+nocmd']).catch((e) => e as { stdout: string });
    expect(dig.stdout).toMatch(/Transfer failed/);
    const kdig = await run(findProgram('kdig')!, ['-b', '127.0.0.2', `@${primary.host}`, '-p', String(primary.port), '-t', 'AXFR', XFR_ZONE]).catch((e) => e as { stdout: string; stderr: string });
    expect(`${kdig.stdout}${(kdig as { stderr?: string }).stderr ?? ''}`).toMatch(/REFUSED/);
    const raw = await transfer(primary.host, primary.port, XFR_ZONE, { localAddress: '127.0.0.2' });
    expect(raw.rcode).toBe(5);
    const ixfr = await transfer(primary.host, primary.port, XFR_ZONE, { type: 'IXFR', serial: 1, localAddress: '127.0.0.2' });
    expect(ixfr.rcode).toBe(5);
    expect(primary.logs.some((l) => l.startsWith('warn AXFR refused') && l.includes('127.0.0.2 is not in the transfer ACL'))).toBe(true);
  });

  test('our raw client: IXFR from the current serial is one SOA; from an unknown one, AXFR-style', async () => {
    const current = await transfer(primary.host, primary.port, XFR_ZONE, { type: 'IXFR', serial: 3 });
    expect(current.rrs.map((r) => r.type)).toEqual([T.SOA]);
    const unknown = await transfer(primary.host, primary.port, XFR_ZONE, { type: 'IXFR', serial: 0xfffffff0 }); // older than 3 (RFC 1982), never ours
    expect(unknown.rrs[1]!.type).not.toBe(T.SOA);
    expect(unknown.rrs).toHaveLength(primary.snapshot().recordCount + 1);
  });
});
