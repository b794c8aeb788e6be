// The development zone, built in memory: the domain and every name below it, at any depth,
// answer A 127.0.0.1 and AAAA ::1 (a wildcard, RFC 4592), except the `--to` names, which
// answer their own addresses for themselves and everything below them. Loaded through the
// ordinary zone loader, so it is checked like any zone file.

import { formatDiagnostic } from '../zone/record.js';
import { loadZoneText } from '../zone/load.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';
import type { DevDomain } from './domain.js';
import type { DevTarget } from './targets.js';

/**
 * Short: a resolver that cached an answer sees a changed `--to` within seconds. The SOA MINIMUM
 * is the same, for the negative answers (RFC 2308 §5).
 */
export const DEV_TTL = 5;

const LOOPBACK: readonly DevTarget[] = [
  { relative: '', type: 'A', address: '127.0.0.1' },
  { relative: '', type: 'AAAA', address: '::1' },
];

/** The zone file text (what a zone file for the same answers would hold). */
export function devZoneText(domain: DevDomain, targets: readonly DevTarget[]): string {
  const apex = `${domain.text}.`;
  const lines = [
    `; zonedns dev: ${domain.text} and every name below it`,
    `$ORIGIN ${apex}`,
    `$TTL ${DEV_TTL}`,
    `@ SOA ${apex} hostmaster.${apex} 1 3600 600 86400 ${DEV_TTL}`,
    `@ NS ${apex}`,
  ];
  for (const [relative, addresses] of ownersOf(targets)) {
    // The name itself, and a wildcard for every name below it: a wildcard does not reach below
    // a name that exists (RFC 4592 §2.2.1), so each name we write needs its own.
    const owner = relative === '' ? '@' : relative;
    const below = relative === '' ? '*' : `*.${relative}`;
    for (const t of addresses) lines.push(`${owner} ${t.type} ${t.address}`, `${below} ${t.type} ${t.address}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Every name the zone has, with its addresses: the apex, each `--to` name, and the names between
 * them (`y` for `--to x.y=...`), which would otherwise exist without data (an empty non-terminal,
 * NODATA) and hide the wildcard above them. A name given with --to replaces what it inherits;
 * the others take their nearest named ancestor's addresses (in the end, the apex's loopback).
 */
function ownersOf(targets: readonly DevTarget[]): Map<string, readonly DevTarget[]> {
  const given = new Map<string, DevTarget[]>();
  for (const t of targets) given.set(t.relative, [...(given.get(t.relative) ?? []), t]);
  const names = new Set<string>(['']);
  for (const relative of given.keys()) {
    const labels = relative === '' ? [] : relative.split('.');
    for (let i = 0; i < labels.length; i++) names.add(labels.slice(i).join('.'));
  }
  const inherited = (relative: string): readonly DevTarget[] => {
    for (let r: string | undefined = relative; r !== undefined; r = r === '' ? undefined : r.split('.').slice(1).join('.')) {
      const own = given.get(r);
      if (own !== undefined) return own;
    }
    return LOOPBACK;
  };
  // Parents first (shorter names), so the text reads top-down.
  const sorted = [...names].sort((a, b) => (a === '' ? 0 : a.split('.').length) - (b === '' ? 0 : b.split('.').length) || a.localeCompare(b));
  return new Map(sorted.map((r) => [r, inherited(r)]));
}

/** The zone as a snapshot the server serves. */
export function devZone(domain: DevDomain, targets: readonly DevTarget[]): ZoneSnapshot {
  const result = loadZoneText(devZoneText(domain, targets), { origin: domain.name, file: `<zonedns dev ${domain.text}>` });
  // The text is ours and its parts were checked: a failure here is a bug, said in full.
  if (result.snapshot === undefined) throw new Error(`the development zone did not load:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
  return result.snapshot;
}
