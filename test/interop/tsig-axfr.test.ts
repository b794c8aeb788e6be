// TSIG-protected transfers from a real `zonedns serve --config` process, with real clients:
// kdig -y and dig -y get the zone; unsigned requests are REFUSED; a wrong secret, an unknown key
// and a clock outside the fudge get NOTAUTH with BADSIG / BADKEY / BADTIME (RFC 8945 §5.2),
// checked with dnspython, which raises the peer's TSIG error by name.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanupDaemons, makeTempDir, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import { debianPython, describeWithPeers, findProgram, requirePeers } from '../support/peers.js';

const run = promisify(execFile);
const SECRET = 'jfS6Kp0x7Gm2Qn5c1qQ5d0ZG8w1V3o2YI3xq8uY0r9E=';
const OTHER = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function rrLines(out: string): string[] {
  return out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';')).map((l) => l.trim().split(/\s+/).join(' '));
}

describeWithPeers('TSIG-signed AXFR from zonedns serve --config', ['kdig', 'dig'], () => {
  let d: Daemon;
  beforeAll(async () => {
    const dir = makeTempDir('zonedns-tsig-');
    const cfg = join(dir, 'zonedns.json');
    writeFileSync(cfg, JSON.stringify({
      keys: [{ name: 'xfr-key', algorithm: 'hmac-sha256', secret: SECRET }],
      transfer: { allow: ['127.0.0.1'], keys: ['xfr-key'] },
    }));
    d = await startDaemon({ args: ['--config', cfg] });
  });
  afterAll(cleanupDaemons);

  test('kdig -y with the key gets the whole zone, SOA first and last', async () => {
    const { stdout } = await run(findProgram('kdig')!, [`@${d.host}`, '-p', String(d.port), '-y', `hmac-sha256:xfr-key:${SECRET}`, '-t', 'AXFR', 'example.com']);
    expect(stdout).toMatch(/\bTSIG\s+hmac-sha256\./);
    expect(stdout).not.toMatch(/BADSIG|BADKEY|failed/i);
    const lines = rrLines(stdout).filter((l) => !/ TSIG /.test(l));
    expect(lines[0]).toMatch(/^example\.com\. 3600 IN SOA /);
    expect(lines.filter((l) => / SOA /.test(l))).toHaveLength(2);
    expect(lines.at(-1)).toBe(lines[0]);
    expect(lines.length).toBe(18 + 1);
  });

  test('dig -y with the key gets the zone and verifies every message', async () => {
    const { stdout } = await run(findProgram('dig')!, [`@${d.host}`, '-p', String(d.port), '-y', `hmac-sha256:xfr-key:${SECRET}`, 'example.com', 'AXFR', '+nocmd']);
    expect(stdout).not.toMatch(/tsig verify failure|Transfer failed/i);
    const lines = rrLines(stdout);
    expect(lines.filter((l) => / SOA /.test(l))).toHaveLength(2);
    expect(lines.filter((l) => / TSIG /.test(l)).length).toBeGreaterThan(0);
  });

  test('an unsigned AXFR is REFUSED', async () => {
    const { stdout } = await run(findProgram('dig')!, [`@${d.host}`, '-p', String(d.port), 'example.com', 'AXFR', '+nocmd'], { timeout: 10_000 }).catch((e) => e as { stdout: string });
    expect(stdout).toMatch(/Transfer failed/);
    const q = spawnSync(findProgram('kdig')!, [`@${d.host}`, '-p', String(d.port), '-t', 'AXFR', 'example.com'], { encoding: 'utf8' });
    expect(q.stdout + q.stderr).toMatch(/REFUSED/);
  });

  const py = debianPython();
  const dnspythonTest = py !== undefined ? test : requirePeers ? test : test.skip;
  if (py === undefined && !requirePeers) process.stderr.write('\n[skip] TSIG error replies: needs Debian python3-dnspython\n');

  dnspythonTest.each([
    ['a wrong secret', 'xfr-key', OTHER, 0, 'PeerBadSignature'],
    ['an unknown key', 'nobody-key', SECRET, 0, 'PeerBadKey'],
    ['a clock an hour off', 'xfr-key', SECRET, -3600, 'PeerBadTime'],
  ])('%s gets the matching TSIG error', (_what, keyName, secret, skew, error) => {
    if (py === undefined) throw new Error('ZONEDNS_REQUIRE_PEERS=1 and /usr/bin/python3 has no dnspython (apt-get install python3-dnspython)');
    const script = `
import sys, time, dns.message, dns.query, dns.tsigkeyring, dns.tsig, dns.rdatatype
real = time.time
time.time = lambda: real() + ${skew}
ring = dns.tsigkeyring.from_text({'${keyName}.': '${secret}'})
q = dns.message.make_query('example.com.', dns.rdatatype.AXFR)
q.use_tsig(ring, keyname='${keyName}.', algorithm='hmac-sha256')
try:
    r = dns.query.tcp(q, '${d.host}', port=${d.port}, timeout=5)
    print('answered', r.rcode())
except Exception as e:
    print(type(e).__name__)
`;
    const r = spawnSync(py!, ['-c', script], { encoding: 'utf8', timeout: 15_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(error);
  });
});
