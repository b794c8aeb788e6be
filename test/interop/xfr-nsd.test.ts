// zonedns as the primary of a real NSD 4 secondary (nsd -d): AXFR on start, NOTIFY and IXFR after
// edits (support/xfr-scenario.ts). NSD does not name the transfer type in its log; it logs the
// size of each update it received, which for an IXFR is a few hundred octets, far below the
// zone's (~7 KB), and our own log names the IXFR it served incrementally.

import { describeWithPeers } from '../support/peers.js';
import { startNsdSecondary } from './support/xfr-peers.js';
import { secondaryScenario } from './support/xfr-scenario.js';

describeWithPeers('zonedns primary -> NSD secondary: AXFR, NOTIFY, IXFR', ['nsd'], () => {
  secondaryScenario({ name: 'nsd', start: startNsdSecondary, ixfrInLog: /received update to serial 2 at .* of [1-9]\d{0,2} bytes/ });
});
