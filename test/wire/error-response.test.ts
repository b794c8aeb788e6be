import { describe, expect, it } from '@jest/globals';
import * as dnsPacket from 'dns-packet';
import { Rcode } from '../../src/dns/constants.js';
import { buildErrorResponse } from '../../src/wire/error-response.js';
import { decodeQuery } from '../../src/wire/query.js';
import { query } from './helpers.js';

describe('buildErrorResponse', () => {
  it('REFUSED for a decoded query: question echoed with its case, RD kept, AA and CD clear', () => {
    const r = decodeQuery(query({ id: 77, flags: 0x0110, qname: 'WwW.Elsewhere.ORG.' }));
    if (r.kind !== 'query') throw new Error(r.kind);
    const out = buildErrorResponse(r, Rcode.REFUSED);
    const d = dnsPacket.decode(out);
    expect(d.id).toBe(77);
    expect(out[3]! & 0x0f).toBe(Rcode.REFUSED);
    expect(d.flags! & 0x0100).toBeTruthy();
    expect(d.flags! & 0x0410).toBe(0);
    expect(d.questions).toEqual([{ name: 'WwW.Elsewhere.ORG', type: 'A', class: 'IN' }]);
    expect(d.answers).toEqual([]);
  });

  it('keeps the OPT of a query that had one, with DO copied', () => {
    const r = decodeQuery(query({ edns: { do: true, udpSize: 4096 } }));
    if (r.kind !== 'query') throw new Error(r.kind);
    const opt = dnsPacket.decode(buildErrorResponse(r, Rcode.SERVFAIL)).additionals![0] as dnsPacket.OptAnswer;
    expect(opt.udpPayloadSize).toBe(1232);
    expect(opt.flags! & 0x8000).toBeTruthy();
  });

  it('uses the decode error’s own rcode by default; FORMERR without a question is header only', () => {
    const r = decodeQuery(Buffer.from('12340100000000000000000000', 'hex').subarray(0, 12));
    if (r.kind !== 'error') throw new Error(r.kind);
    expect(buildErrorResponse(r).toString('hex')).toBe('123481010000000000000000');
  });
});
