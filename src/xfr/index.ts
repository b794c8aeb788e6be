// Zone transfers, primary side: AXFR (RFC 5936) and IXFR (RFC 1995) out as lazy message
// generators, the journal of reload differences that IXFR answers from, NOTIFY (RFC 1996) to
// secondaries, and the transfer ACL. TSIG (RFC 8945) lives in src/tsig/ (TsigHook: tsig/hook.ts).
//
//   acl.ts       who may transfer (address prefixes, optional key names)
//   axfr.ts      MessagePacker (fills messages to 64 KiB, compressed) and axfrMessages
//   ixfr.ts      planIxfr (current / incremental / AXFR-style), condense, ixfrMessages, ixfrUdpMessage
//   journal.ts   diffSnapshots, Journal (bounded, persisted with temp + fsync + rename)
//   notify.ts    Notifier with retries over an injected clock and transport, TSIG-signed per target
//   transfer.ts  answerTransfer: the request path from handleMessage (zone, TSIG, ACL, plan)
//   service.ts   XfrService: ZoneManager's listener (journal on reload, NOTIFY on change)
//
// Secondary side (RFC 1034 §4.3.5):
//   xfr-client.ts  SOA query (UDP), AXFR/IXFR (TCP), strict response decoder, stream assembler, TSIG
//   secondary.ts   SecondaryZone: refresh/retry/expire state machine, IXFR apply, NOTIFY in
//   notify-in.ts   the answer to an incoming NOTIFY (TSIG verified, primaryKey required)
//   zone-writer.ts the transferred copy on disk (temp + fsync + rename)

export * from './acl.js';
export * from './axfr.js';
export * from './ixfr.js';
export * from './journal.js';
export * from './notify.js';
export * from './notify-in.js';
export * from './transfer.js';
export * from './service.js';
export * from './xfr-client.js';
export * from './secondary.js';
export * from './zone-writer.js';
