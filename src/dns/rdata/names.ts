// Record types made of domain names and small integers: NS, CNAME, PTR, DNAME, NSAP-PTR and the
// RFC 1035 mailbox types (one name), MX, KX, AFSDB, RT, LP (preference + name), RP, MINFO and
// TALINK (two names), PX (preference + two names), SRV. Names are stored uncompressed with the
// case as written.

import { u16 } from '../bytes.js';
import { nameToText } from '../name.js';
import type { RdataCodec } from './codec.js';
import { nameField, noMore, u16Field } from './fields.js';
import { WireReader } from './wire-reader.js';

/** One name: NS, CNAME, PTR (RFC 1035 §3.3), DNAME (RFC 6672), MB/MD/MF/MG/MR. */
export function singleNameCodec(type: string, field: string): RdataCodec {
  return {
    parse(tokens, origin) {
      const name = nameField(tokens, 0, origin, type, field);
      if (tokens.length > 1) noMore(tokens, 1);
      return name;
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      const name = r.name(field);
      r.end();
      return nameToText(name);
    },
  };
}

/** 16-bit integer then a name: MX (RFC 1035 §3.3.9), KX (RFC 2230), AFSDB (RFC 1183), RT. */
export function numberNameCodec(type: string, numField: string, field: string): RdataCodec {
  return {
    parse(tokens, origin) {
      const out = u16(u16Field(tokens, 0, type, numField)) + nameField(tokens, 1, origin, type, field);
      if (tokens.length > 2) noMore(tokens, 2);
      return out;
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      const n = r.u16(numField);
      const name = r.name(field);
      r.end();
      return `${n} ${nameToText(name)}`;
    },
  };
}

/** Two names: RP (RFC 1183 §2.2: mbox-dname txt-dname), MINFO (RFC 1035 §3.3.7), TALINK. */
export function twoNamesCodec(type: string, field1: string, field2: string): RdataCodec {
  return {
    parse(tokens, origin) {
      const out = nameField(tokens, 0, origin, type, field1) + nameField(tokens, 1, origin, type, field2);
      noMore(tokens, 2);
      return out;
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      const a = r.name(field1);
      const b = r.name(field2);
      r.end();
      return `${nameToText(a)} ${nameToText(b)}`;
    },
  };
}

/** SRV (RFC 2782): priority weight port target. */
export const srvCodec: RdataCodec = {
  parse(tokens, origin) {
    const out =
      u16(u16Field(tokens, 0, 'SRV', 'priority')) +
      u16(u16Field(tokens, 1, 'SRV', 'weight')) +
      u16(u16Field(tokens, 2, 'SRV', 'port')) +
      nameField(tokens, 3, origin, 'SRV', 'target');
    noMore(tokens, 4);
    return out;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'SRV');
    const out = `${r.u16('priority')} ${r.u16('weight')} ${r.u16('port')} ${nameToText(r.name('target'))}`;
    r.end();
    return out;
  },
};

/** PX (RFC 2163 §4): preference MAP822 MAPX400. */
export const pxCodec: RdataCodec = {
  parse(tokens, origin) {
    const out = u16(u16Field(tokens, 0, 'PX', 'preference')) + nameField(tokens, 1, origin, 'PX', 'MAP822') + nameField(tokens, 2, origin, 'PX', 'MAPX400');
    noMore(tokens, 3);
    return out;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'PX');
    const out = `${r.u16('preference')} ${nameToText(r.name('MAP822'))} ${nameToText(r.name('MAPX400'))}`;
    r.end();
    return out;
  },
};
