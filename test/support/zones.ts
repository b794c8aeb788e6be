// Test helpers: build snapshots from zone text literals and print RRsets as zone text, so
// tests read like zone files (CoreDNS file-plugin style).

import { typeToString } from '../../src/dns/constants.js';
import { nameFromText, nameKey, nameToText, type Name } from '../../src/dns/name.js';
import { rdataToText } from '../../src/dns/rdata/index.js';
import { loadZoneText } from '../../src/zone/load.js';
import { packHead, packNodes, SnapshotAssembler } from '../../src/zone/packed.js';
import { formatDiagnostic } from '../../src/zone/record.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import type { RRset, ZoneSnapshot } from '../../src/zone/snapshot.js';

export function name(text: string): Name {
  return nameFromText(text.endsWith('.') ? text : text + '.');
}

/** Loads a zone from text; throws with every diagnostic if it does not load. */
/**
 * `snapshot` as a reload gives it to the thread that answers: packed by the load worker and made
 * again node by node when asked for (src/zone/packed.ts). The original is left as it was.
 */
export function packedCopy(snapshot: ZoneSnapshot, segmentNodes?: number): ZoneSnapshot {
  const assembler = new SnapshotAssembler(structuredClone(packHead(snapshot)));
  for (const segment of packNodes(snapshot, segmentNodes)) assembler.add(structuredClone(segment));
  return assembler.finish();
}

export function zoneFromText(origin: string, text: string): ZoneSnapshot {
  const result = loadZoneText(text, { origin: name(origin), file: `${origin}.zone` });
  if (!result.snapshot) throw new Error(`zone ${origin} did not load:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
  return result.snapshot;
}

export function registryOf(...zones: ZoneSnapshot[]): ZoneRegistry {
  const reg = new ZoneRegistry();
  for (const z of zones) reg.set({ origin: z.origin, snapshot: z });
  return reg;
}

/** One line per RR: `owner ttl TYPE rdata`, owner lower-cased. */
export function rrLines(sets: readonly RRset[]): string[] {
  const out: string[] = [];
  for (const s of sets) {
    for (const r of s.rdata) out.push(`${nameToText(nameKey(s.owner))} ${s.ttl} ${typeToString(s.type)} ${rdataToText(s.type, r)}`);
  }
  return out;
}

/** Normalizes expected lines written by hand: collapse whitespace, lower-case the owner. */
export function normLines(lines: readonly string[]): string[] {
  return lines.map((l) => {
    const parts = l.trim().split(/\s+/);
    parts[0] = parts[0].toLowerCase();
    return parts.join(' ');
  });
}
