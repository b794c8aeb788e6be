// zonedns as the primary of a real NSD 4 secondary (nsd -d) with TSIG (hmac-sha256): NSD's
// `request-xfr: ... xfr-key` signs its SOA queries and transfers, which our ACL requires, and its
// `allow-notify: 127.0.0.1 xfr-key` takes our NOTIFY only signed with the key; its signed reply is
// verified by us. Then an NSD with the wrong secret gets nothing (support/xfr-scenario.ts).

import { describeWithPeers } from '../support/peers.js';
import { startNsdSecondary } from './support/xfr-peers.js';
import { secondaryScenario, wrongKeyScenario, XFR_KEY } from './support/xfr-scenario.js';

describeWithPeers('zonedns primary -> NSD secondary with TSIG: AXFR, signed NOTIFY, IXFR', ['nsd'], () => {
  secondaryScenario({
    name: 'nsd', start: startNsdSecondary, key: XFR_KEY,
    ixfrInLog: /received update to serial 2 at .* of [1-9]\d{0,2} bytes/,
    notifyInLog: /notify for xfr\.test\. from 127\.0\.0\.1 serial 2/,
  });
});

describeWithPeers('zonedns primary -> NSD secondary with the wrong TSIG secret', ['nsd'], () => {
  wrongKeyScenario({ name: 'nsd', start: startNsdSecondary });
});
