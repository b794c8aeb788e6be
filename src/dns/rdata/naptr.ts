// NAPTR (RFC 3403 §4.1): order preference flags services regexp replacement. Flags, services and
// regexp are character-strings; the replacement is a name (`.` when the regexp is used).

import { u16 } from '../bytes.js';
import { nameToText } from '../name.js';
import type { RdataCodec } from './codec.js';
import { nameField, noMore, u16Field } from './fields.js';
import { charStringField, quoteOctets } from './text.js';
import { WireReader } from './wire-reader.js';

export const naptrCodec: RdataCodec = {
  parse(tokens, origin) {
    const out =
      u16(u16Field(tokens, 0, 'NAPTR', 'order')) +
      u16(u16Field(tokens, 1, 'NAPTR', 'preference')) +
      charStringField(tokens, 2, 'NAPTR', 'flags') +
      charStringField(tokens, 3, 'NAPTR', 'services') +
      charStringField(tokens, 4, 'NAPTR', 'regexp') +
      nameField(tokens, 5, origin, 'NAPTR', 'replacement');
    noMore(tokens, 6);
    return out;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'NAPTR');
    const head = `${r.u16('order')} ${r.u16('preference')}`;
    const strings = `${quoteOctets(r.charString('flags'))} ${quoteOctets(r.charString('services'))} ${quoteOctets(r.charString('regexp'))}`;
    const replacement = nameToText(r.name('replacement'));
    r.end();
    return `${head} ${strings} ${replacement}`;
  },
};
