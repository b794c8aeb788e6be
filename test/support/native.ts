// Tests of the udp_batch addon (native/udp_batch): without it (`npm run build:native` not run)
// they skip visibly; with ZONEDNS_REQUIRE_PEERS=1 (CI, which builds it) a missing addon fails.

import { describe, test } from '@jest/globals';
import { nativeUdpUnavailable } from '../../src/server/udp-batch.js';
import { requirePeers } from './peers.js';

export function describeNative(title: string, body: () => void): void {
  const why = nativeUdpUnavailable();
  if (why === undefined) {
    describe(title, body);
    return;
  }
  if (requirePeers) {
    describe(title, () => {
      test('the udp_batch addon is built (npm run build:native)', () => {
        throw new Error(`ZONEDNS_REQUIRE_PEERS=1 and ${why}`);
      });
    });
    return;
  }
  process.stderr.write(`\n[skip] ${title}: ${why}\n`);
  describe.skip(`${title} [skipped: ${why}]`, body);
}
