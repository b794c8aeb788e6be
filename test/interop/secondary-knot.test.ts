// zonedns as a secondary of a real Knot DNS primary (knotd on a loopback port, its own config):
// AXFR at start, a change pulled by IXFR after NOTIFY, and serving on with the primary gone.

import { describeWithPeers } from '../support/peers.js';
import { secondaryOfScenario } from './support/secondary-scenario.js';
import { startKnotPrimary } from './support/xfr-primaries.js';

describeWithPeers('zonedns secondary of Knot', ['knotd', 'knotc'], () => {
  secondaryOfScenario({ name: 'knotd', start: startKnotPrimary });
});
