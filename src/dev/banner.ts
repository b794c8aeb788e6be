// What `zonedns dev` prints on stdout: what it serves and where, a query to try, and the resolver
// recipe(s) with the exact file content. The README's "A local development domain" section is
// this text (test/readme.test.ts compares them), so it changes only on purpose.

import type { DevDomain } from './domain.js';
import type { Recipe } from './recipes.js';
import type { DevTarget } from './targets.js';

export interface BannerInput {
  domain: DevDomain;
  targets: readonly DevTarget[];
  host: string;
  port: number;
  /** Printed in this order; one when the system's resolver is known or was chosen. */
  recipes: readonly Recipe[];
  /** The detected resolver's evidence; undefined when --resolver chose. */
  detected?: string;
  /** The command again, with the flags that keep the same port (for the --apply/--remove hint). */
  again: string;
  serving: boolean;
}

/** The banner's last line once the server runs (printed after --apply's lines). */
export const SERVING_LINE = 'Serving until Ctrl-C.\n';

function answers(domain: DevDomain, targets: readonly DevTarget[]): string[] {
  const byName = new Map<string, string[]>([['', []]]);
  for (const t of targets) byName.set(t.relative, [...(byName.get(t.relative) ?? []), `${t.type} ${t.address}`]);
  if (byName.get('')!.length === 0) byName.set('', ['A 127.0.0.1', 'AAAA ::1']);
  return [...byName].map(([relative, rrs]) => `  ${relative === '' ? domain.text : `${relative}.${domain.text}`} and every name below it: ${rrs.join(', ')}`);
}

export function devBanner(b: BannerInput): string {
  const at = b.host.includes(':') ? `[${b.host}]` : b.host;
  const out = [
    `zonedns dev: ${b.serving ? 'serving' : 'would serve'} ${b.domain.text} on ${at} port ${b.port} (UDP and TCP)`,
    ...answers(b.domain, b.targets),
    `Try it: dig @${b.host} -p ${b.port} myapp.${b.domain.text}`,
    '',
    `For every program on this machine to find these names, its resolver must ask zonedns about`,
    `${b.domain.text}, and only about ${b.domain.text}.`,
  ];
  if (b.detected !== undefined) out.push(`This system: ${b.detected}.`);
  for (const r of b.recipes) {
    out.push('', `${r.kind}${r.who === undefined ? '' : ` (${r.who})`}:`, `  ${r.path}`, ...r.content.trimEnd().split('\n').map((l) => `    ${l}`));
    out.push(r.reload === undefined ? '  then: nothing; the file is read at once' : `  then: sudo ${r.reload.join(' ')}`);
  }
  out.push('');
  const apply = b.recipes.length === 1 ? `\`${b.again} --apply\` writes this file` : `\`${b.again} --resolver NAME --apply\` writes one of these files`;
  out.push(`${apply} (asking for sudo);`, `\`${b.again} --remove\` deletes it.`);
  return out.join('\n') + '\n';
}
