// Canonical text dump of a snapshot: one RR per line, absolute names, explicit TTL and class,
// in RFC 4034 §6.1 name order then type order, so it diffs against `named-checkzone -D -o -`.

import { classToString, typeToString } from '../dns/constants.js';
import { nameToText } from '../dns/name.js';
import { rdataToText } from '../dns/rdata/index.js';
import { canonicalNodes } from './canonical-nodes.js';
import type { ZoneSnapshot } from './snapshot.js';

export function printZone(zone: ZoneSnapshot): string {
  const nodes = zone.apex.firstSet === undefined ? canonicalNodes(zone) : [zone.apex, ...canonicalNodes(zone)];
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
