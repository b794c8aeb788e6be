// DOA (draft-durand-doa-over-dns, IANA type 259): enterprise type location media-type data. The
// media type is a character-string; the data is base64, or `-` when empty, as BIND writes it.

import { u32, u8 } from '../bytes.js';
import type { RdataCodec } from './codec.js';
import { base64Encode, base64Tail } from './encoding.js';
import { missing, u32Field, u8Field } from './fields.js';
import { charStringField, quoteOctets } from './text.js';
import { WireReader } from './wire-reader.js';

export const doaCodec: RdataCodec = {
  parse(tokens) {
    const head =
      u32(u32Field(tokens, 0, 'DOA', 'enterprise')) +
      u32(u32Field(tokens, 1, 'DOA', 'type')) +
      u8(u8Field(tokens, 2, 'DOA', 'location')) +
      charStringField(tokens, 3, 'DOA', 'media type');
    const t = tokens[4];
    if (t === undefined) missing('DOA', 'data (base64, or - for none)');
    if (t.text === '-' && !t.quoted && tokens.length === 5) return head;
    return head + base64Tail(tokens, 4, 'DOA', 'data');
  },
  print(rdata) {
    const r = new WireReader(rdata, 'DOA');
    const head = `${r.u32('enterprise')} ${r.u32('type')} ${r.u8('location')} ${quoteOctets(r.charString('media type'))}`;
    const data = r.rest();
    return `${head} ${data.length === 0 ? '-' : base64Encode(data)}`;
  },
};
