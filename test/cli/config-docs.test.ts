// What is published from the config schema (src/cli/config-schema.ts): zonedns.schema.json and the
// README's configuration reference must be what `npm run schema` writes today, every key must say
// what it does, and the README's example must be a valid configuration.

import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/cli/config.js';
import { configJsonSchema, configJsonSchemaText, configReference, README_BEGIN, README_END, SCHEMA_FILE, withConfigReference } from '../../src/cli/config-docs.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const STALE = 'stale: run `npm run schema` and commit what it writes';

interface Node {
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
}

/** Every key of the schema, by path, with its JSON Schema node. */
function keys(node: Node, prefix = ''): Array<[string, Node]> {
  return [
    ...Object.entries(node.properties ?? {}).flatMap(([k, v]): Array<[string, Node]> => [[`${prefix}${k}`, v], ...keys(v, `${prefix}${k}.`)]),
    ...(node.items === undefined ? [] : keys(node.items, `${prefix.slice(0, -1)}[].`)),
    ...(node.anyOf ?? []).flatMap((n) => keys(n, prefix)),
  ];
}

describe('the published configuration schema', () => {
  test(`${SCHEMA_FILE} is generated from src/cli/config-schema.ts`, () => {
    expect({ [SCHEMA_FILE]: read(SCHEMA_FILE) === configJsonSchemaText() ? 'current' : STALE }).toEqual({ [SCHEMA_FILE]: 'current' });
  });

  test('the README configuration reference is generated from it, between its markers', () => {
    const readme = read('README.md');
    expect(readme).toContain(README_BEGIN);
    expect(readme).toContain(README_END);
    expect({ 'README.md': readme === withConfigReference(readme) ? 'current' : STALE }).toEqual({ 'README.md': 'current' });
  });

  test('every key has a description, and the reference lists every key', () => {
    const all = keys(configJsonSchema() as Node);
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter(([, node]) => !node.description).map(([path]) => path)).toEqual([]);
    const reference = configReference();
    for (const [path] of all) expect(reference).toContain(`- \`${path}\` (`);
  });

  test('a configuration may name the schema with "$schema"', () => {
    expect(() => parseConfig(JSON.stringify({ $schema: `./${SCHEMA_FILE}`, $comment: 'x' }), '/x')).not.toThrow();
  });

  test('the README example configuration is valid', () => {
    const section = read('README.md').split('\n## Configuration\n')[1]!;
    const example = /```json\n([\s\S]*?)\n```/.exec(section)![1]!;
    const cfg = parseConfig(example, '/etc/zonedns');
    expect(cfg.zones.map((z) => z.file)).toEqual(['/etc/zonedns/db.example.org', '/var/lib/zonedns/secondary/example.net.zone']);
  });
});
