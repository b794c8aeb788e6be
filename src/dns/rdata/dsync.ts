// DSYNC (draft-ietf-dnsop-generalized-notify §2.1, IANA type 66): rrtype scheme port target.
// The RR type takes a mnemonic, TYPEnnn or a bare number; the scheme a number or `NOTIFY` (1).
// Both print as mnemonics when they have one, as BIND prints them (`CDS NOTIFY 5359 ep.example.`).

import { u16, u8 } from '../bytes.js';
import { typeFromString, typeToString } from '../constants.js';
import { nameToText } from '../name.js';
import type { RdataCodec } from './codec.js';
import { mnemonicField } from './dnssec.js';
import { decimal, missing, nameField, noMore, u16Field } from './fields.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

const SCHEMES: ReadonlyMap<string, number> = new Map([['NOTIFY', 1]]);

export const dsyncCodec: RdataCodec = {
  parse(tokens, origin) {
    const t = tokens[0];
    if (t === undefined) missing('DSYNC', 'RR type');
    const n = decimal(t.text, 0xffff);
    const type = n >= 0 ? n : typeFromString(t.text);
    if (type === undefined) throw new RdataError(`DSYNC RR type "${t.text}" is not a known type, TYPEnnn or 0-65535`, 0);
    const scheme = mnemonicField(tokens, 1, SCHEMES, 'DSYNC', 'scheme');
    const port = u16Field(tokens, 2, 'DSYNC', 'port');
    const out = u16(type) + u8(scheme) + u16(port) + nameField(tokens, 3, origin, 'DSYNC', 'target');
    noMore(tokens, 4);
    return out;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'DSYNC');
    const type = r.u16('RR type');
    const scheme = r.u8('scheme');
    const out = `${typeToString(type)} ${scheme === 1 ? 'NOTIFY' : scheme} ${r.u16('port')} ${nameToText(r.name('target'))}`;
    r.end();
    return out;
  },
};
