// A server with no TSIG keys configured still checks signatures: every key a request names is
// unknown, so RFC 8945 §5.2.2 asks for NOTAUTH with a BADKEY TSIG (as Knot, NSD and BIND
// answer), never the answer as if the request were unsigned. Every request path: a query, a
// transfer, a NOTIFY; over real sockets, and with dig's and kdig's -y.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Opcode, Rcode, RRType } from '../../src/dns/constants.js';
import { nameToText } from '../../src/dns/name.js';
import { parseTsigKey } from '../../src/tsig/keys.js';
import { signRequest, TsigError } from '../../src/tsig/tsig.js';
import { locateTsig, readTsigRdata } from '../../src/tsig/wire.js';
import { TcpClient, UdpClient } from '../e2e/support/net.js';
import { TRICKY_ZONE, startE2eServer, type E2eServer } from '../e2e/support/server.js';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { query } from '../wire/helpers.js';

const KEY = parseTsigKey('someone.', 'hmac-sha256', Buffer.alloc(32, 7).toString('base64'));
const now = () => Math.floor(Date.now() / 1000);

let srv: E2eServer;
beforeAll(async () => {
  srv = await startE2eServer([{ origin: 'tricky.test', text: TRICKY_ZONE }]);
});
afterAll(() => srv.close());

function refusal(reply: Buffer): { rcode: number; answers: number; tsig: { key: string; error: number; mac: number } | string } {
  const loc = locateTsig(reply);
  let tsig: { key: string; error: number; mac: number } | string = 'none';
  if (loc.kind === 'tsig') {
    const rd = readTsigRdata(reply, loc.pos);
    tsig = typeof rd === 'string' ? rd : { key: nameToText(loc.pos.keyName), error: rd.error, mac: rd.mac.length };
  }
  return { rcode: reply[3]! & 0xf, answers: reply.readUInt16BE(6), tsig };
}

const BADKEY = { rcode: Rcode.NOTAUTH, answers: 0, tsig: { key: 'someone.', error: TsigError.BADKEY, mac: 0 } };

describe('no keys configured: a signed request gets NOTAUTH + BADKEY', () => {
  test('a query over UDP', async () => {
    const u = await UdpClient.open(srv.host, srv.port);
    try {
      const reply = await u.exchange(signRequest(query({ id: 11, qname: 'web.tricky.test.', qtype: RRType.A }), KEY, now()).message);
      expect(refusal(reply)).toEqual(BADKEY);
    } finally {
      await u.close();
    }
  });

  test('an AXFR over TCP', async () => {
    const c = await TcpClient.connect(srv.host, srv.port);
    try {
      const reply = await c.exchange(signRequest(query({ id: 12, qname: 'tricky.test.', qtype: RRType.AXFR }), KEY, now()).message);
      expect(refusal(reply)).toEqual(BADKEY);
    } finally {
      c.destroy();
    }
  });

  test('a NOTIFY', async () => {
    const u = await UdpClient.open(srv.host, srv.port);
    try {
      const notify = query({ id: 13, flags: Opcode.NOTIFY << 11, qname: 'tricky.test.', qtype: RRType.SOA });
      expect(refusal(await u.exchange(signRequest(notify, KEY, now()).message))).toEqual(BADKEY);
    } finally {
      await u.close();
    }
  });

  test('unsigned, the same query is answered', async () => {
    const u = await UdpClient.open(srv.host, srv.port);
    try {
      expect(refusal(await u.exchange(query({ id: 14, qname: 'web.tricky.test.', qtype: RRType.A })))).toEqual({ rcode: 0, answers: 2, tsig: 'none' });
    } finally {
      await u.close();
    }
  });
});

describeWithPeers('no keys configured: dig -y and kdig -y see BADKEY', ['dig', 'kdig'], () => {
  const secret = Buffer.alloc(32, 7).toString('base64');
  test.each(['dig', 'kdig'])('%s', async (tool) => {
    const { stdout } = await promisify(execFile)(findProgram(tool)!, ['-y', `hmac-sha256:someone.:${secret}`, `@${srv.host}`, '-p', String(srv.port), 'web.tricky.test', 'A'])
      .catch((e: { stdout: string }) => e);
    expect(stdout).toMatch(tool === 'dig' ? /status: NOTAUTH/ : /status: (NOTAUTH|BADKEY)/);
    expect(stdout).toMatch(/TSIG\s+hmac-sha256\.\s+\d+\s+300\s+0\s+\d+\s+BADKEY/);
  });
});
