// Tests that need a real peer (knotd, named-checkzone, nsd, kdig, dig, ldns-signzone...) declare
// it here. Without the peer they skip visibly (a warning naming the missing programs); with
// ZONEDNS_REQUIRE_PEERS=1 (set by .ci/run) a missing peer is a failing test instead.

import { describe, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// systemd keeps its daemons (systemd-resolved) in /lib/systemd and /usr/lib/systemd.
const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin', '/usr/lib/systemd', '/lib/systemd'];

/** Absolute path of a program, looking in PATH and the sbin directories Debian uses. */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH];
  for (const d of dirs) {
    const p = `${d}/${name}`;
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Debian's python3 with dnspython, when a test needs it. */
export function debianPython(): string | undefined {
  if (!existsSync('/usr/bin/python3')) return undefined;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import dns.message'], { stdio: 'ignore' });
    return '/usr/bin/python3';
  } catch {
    return undefined;
  }
}

export const requirePeers = process.env.ZONEDNS_REQUIRE_PEERS === '1';

/**
 * `describe` that runs only when every program in `programs` is installed and `also` (when
 * given) names nothing missing. Otherwise: skipped with a visible warning, or a failing test
 * under ZONEDNS_REQUIRE_PEERS=1.
 */
export function describeWithPeers(title: string, programs: readonly string[], body: () => void, also?: () => string | undefined): void {
  const missing = programs.filter((p) => findProgram(p) === undefined);
  // Something besides programs (privileges, a kernel feature), checked only when they are there.
  const unmet = missing.length === 0 ? also?.() : undefined;
  if (missing.length === 0 && unmet === undefined) {
    describe(title, body);
    return;
  }
  const why = unmet ?? `needs ${missing.join(', ')} (apt-get install knot knot-dnsutils bind9 bind9-utils bind9-dnsutils nsd ldnsutils unbound dnsmasq-base)`;
  if (requirePeers) {
    describe(title, () => {
      test(`peer programs are installed: ${why}`, () => {
        throw new Error(`ZONEDNS_REQUIRE_PEERS=1 and ${title} ${why}`);
      });
    });
    return;
  }
  process.stderr.write(`\n[skip] ${title}: ${why}\n`);
  describe.skip(`${title} [skipped: ${why}]`, body);
}

/** describeWithPeers for Debian's python3 with dnspython (a module, not a program). */
export function describeWithDnspython(title: string, body: () => void): void {
  if (debianPython() !== undefined) {
    describe(title, body);
    return;
  }
  const why = 'needs /usr/bin/python3 with dnspython (apt-get install python3-dnspython)';
  if (requirePeers) {
    describe(title, () => {
      test(`dnspython is installed: ${why}`, () => {
        throw new Error(`ZONEDNS_REQUIRE_PEERS=1 and ${title} ${why}`);
      });
    });
    return;
  }
  process.stderr.write(`\n[skip] ${title}: ${why}\n`);
  describe.skip(`${title} [skipped: ${why}]`, body);
}
