// `zonedns dev --resolver` choices, apart from dev.ts so the yargs program lists them without
// loading the dev command.

import { RESOLVER_KINDS } from '../dev/recipes.js';

export const DEV_RESOLVER_CHOICES = ['auto', 'all', ...RESOLVER_KINDS] as const;
