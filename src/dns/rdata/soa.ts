// SOA (RFC 1035 §3.3.13): mname rname serial refresh retry expire minimum. The serial is a plain
// 32-bit number (RFC 1982 arithmetic applies to it); the four timers accept BIND's duration
// units (1h30m, 2w, 1d) and print as plain seconds, as `named-checkzone -D` does.

import { u32 } from '../bytes.js';
import { nameToText } from '../name.js';
import type { RdataCodec } from './codec.js';
import { missing, nameField, noMore, u32Field, type Tokens } from './fields.js';
import { RdataError } from './token.js';
import { parseDuration } from './ttl.js';
import { WireReader } from './wire-reader.js';

function timerField(tokens: Tokens, i: number, field: string): number {
  const t = tokens[i];
  if (t === undefined) missing('SOA', field);
  const v = parseDuration(t.text);
  if (v === undefined) throw new RdataError(`SOA ${field} "${t.text}" is not a duration (seconds 0-4294967295, or units like 1h30m, 2w, 1d)`, i);
  return v;
}

export const soaCodec: RdataCodec = {
  parse(tokens, origin) {
    const out =
      nameField(tokens, 0, origin, 'SOA', 'mname') +
      nameField(tokens, 1, origin, 'SOA', 'rname') +
      u32(u32Field(tokens, 2, 'SOA', 'serial')) +
      u32(timerField(tokens, 3, 'refresh')) +
      u32(timerField(tokens, 4, 'retry')) +
      u32(timerField(tokens, 5, 'expire')) +
      u32(timerField(tokens, 6, 'minimum'));
    noMore(tokens, 7);
    return out;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'SOA');
    const mname = nameToText(r.name('mname'));
    const rname = nameToText(r.name('rname'));
    const out = `${mname} ${rname} ${r.u32('serial')} ${r.u32('refresh')} ${r.u32('retry')} ${r.u32('expire')} ${r.u32('minimum')}`;
    r.end();
    return out;
  },
};
