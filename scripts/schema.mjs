// `npm run schema`: write zonedns.schema.json and the README's configuration reference from
// src/cli/config-schema.ts (through dist/, which `npm run schema` builds first).
// test/cli/config-docs.test.ts fails while either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { configJsonSchemaText, SCHEMA_FILE, withConfigReference } from '../dist/cli/config-docs.js';

const root = new URL('..', import.meta.url);
const write = (file, text) => {
  const url = new URL(file, root);
  const old = readFileSync(url, 'utf8');
  if (old !== text) writeFileSync(url, text);
  console.log(`${file}: ${old === text ? 'up to date' : 'written'}`);
};
write(SCHEMA_FILE, configJsonSchemaText());
write('README.md', withConfigReference(readFileSync(new URL('README.md', root), 'utf8')));
