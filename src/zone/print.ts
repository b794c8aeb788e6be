// Canonical text dump of a snapshot: one RR per line, absolute names, explicit TTL and class,
// in RFC 4034 §6.1 name order then type order, so it diffs against `named-checkzone -D -o -`.

import { classToString, typeToString } from '../dns/constants.js';
import { canonicalCompare, nameToText } from '../dns/name.js';
import { rdataToText } from '../dns/rdata/index.js';
import type { ZoneSnapshot } from './snapshot.js';

export function printZone(zone: ZoneSnapshot): string {
  const nodes = [...zone.nodes.values()].filter((n) => n.firstSet !== undefined);
  nodes.sort((a, b) => canonicalCompare(a.name, b.name));
  const cls = classToString(zone.class);
  const lines: string[] = [];
  for (const node of nodes) {
    const owner = nameToText(node.name);
    const sets = [...node.rrsets].sort((a, b) => a.type - b.type);
    for (const set of sets) {
      const type = typeToString(set.type);
      for (const rdata of set.rdata) lines.push(`${owner}\t${set.ttl}\t${cls}\t${type}\t${rdataToText(set.type, rdata)}`);
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
