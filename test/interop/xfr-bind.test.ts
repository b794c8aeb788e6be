// zonedns as the primary of a real BIND 9 secondary (named -g): AXFR on start, NOTIFY and IXFR
// after edits (support/xfr-scenario.ts). named runs at debug level 3, where it logs "got
// incremental response" for an IXFR that was answered incrementally.

import { describeWithPeers } from '../support/peers.js';
import { startBindSecondary } from './support/xfr-peers.js';
import { secondaryScenario } from './support/xfr-scenario.js';

describeWithPeers('zonedns primary -> BIND secondary: AXFR, NOTIFY, IXFR', ['named'], () => {
  secondaryScenario({ name: 'named', start: startBindSecondary, ixfrInLog: /got incremental response/ });
});
