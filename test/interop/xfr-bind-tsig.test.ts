// zonedns as the primary of a real BIND 9 secondary (named -g -d 3) with TSIG (hmac-sha256):
// named's `primaries { ... key xfr-key; }` signs its SOA queries and transfers, which our ACL
// requires; our signed NOTIFY is verified by named (its log names the key of the client it came
// from) and its signed reply by us. Then a named with the wrong secret gets nothing
// (support/xfr-scenario.ts).

import { describeWithPeers } from '../support/peers.js';
import { startBindSecondary } from './support/xfr-peers.js';
import { secondaryScenario, wrongKeyScenario, XFR_KEY } from './support/xfr-scenario.js';

describeWithPeers('zonedns primary -> BIND secondary with TSIG: AXFR, signed NOTIFY, IXFR', ['named'], () => {
  secondaryScenario({
    name: 'named', start: startBindSecondary, key: XFR_KEY, ixfrInLog: /got incremental response/,
    notifyInLog: /127\.0\.0\.1#\d+\/key xfr-key: received notify for zone 'xfr\.test'/,
  });
});

describeWithPeers('zonedns primary -> BIND secondary with the wrong TSIG secret', ['named'], () => {
  wrongKeyScenario({ name: 'named', start: startBindSecondary });
});
