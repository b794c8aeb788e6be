// CAA (RFC 8659 §4.1): flags tag value. The tag is 1-255 ASCII letters and digits; the value is
// the rest of the RDATA with no length prefix, written as one character-string (quoted or not)
// and printed quoted, like BIND: `0 issue "letsencrypt.org"`.

import { u8 } from '../bytes.js';
import type { RdataCodec } from './codec.js';
import { missing, noMore, u8Field } from './fields.js';
import { decodeEscapes, quoteOctets } from './text.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function tagProblem(tag: string): string | undefined {
  if (tag.length === 0) return 'CAA tag is empty';
  if (tag.length > 255) return `CAA tag is ${tag.length} octets; the limit is 255`;
  for (let i = 0; i < tag.length; i++) if (!isAlnum(tag.charCodeAt(i))) return `CAA tag "${tag}" must be letters and digits only`;
  return undefined;
}

export const caaCodec: RdataCodec = {
  parse(tokens) {
    const flags = u8Field(tokens, 0, 'CAA', 'flags');
    const t = tokens[1];
    if (t === undefined) missing('CAA', 'tag');
    // A quoted tag is read as Knot reads it (BIND refuses the quotes): the tag's own rule
    // (RFC 8659 §4.1.1: 1-255 letters and digits) is what matters, and it still applies.
    const problem = tagProblem(t.text);
    if (problem !== undefined) throw new RdataError(problem, 1);
    const v = tokens[2];
    if (v === undefined) missing('CAA', 'value');
    noMore(tokens, 3);
    return u8(flags) + u8(t.text.length) + t.text + decodeEscapes(v.text, 2, 'CAA value');
  },
  print(rdata) {
    const r = new WireReader(rdata, 'CAA');
    const flags = r.u8('flags');
    const tag = r.charString('tag');
    const problem = tagProblem(tag);
    if (problem !== undefined) throw new RdataError(problem);
    return `${flags} ${tag} ${quoteOctets(r.rest())}`;
  },
};
