// SVCB and HTTPS (RFC 9460): priority target SvcParams. Parameters are `key=value`, `key` alone
// for an empty value, with the value optionally quoted. The zone tokenizer may hand us
// `key="a b"` as an unquoted `key=` followed by a quoted token, or as one unquoted token that
// still holds the quotes; both are accepted. Values are character-strings first (RFC 9460
// Appendix A.1), then parsed per key. On the wire the params are sorted by key (§2.2) and a
// repeated key is an error. Printing matches BIND 9.18: `alpn="h2,h3"` quoted, ech and the hints
// bare, unknown keys as `keyNNNNN="value"`.

import type { Bytes } from '../bytes.js';
import { u16 } from '../bytes.js';
import { nameToText } from '../name.js';
import { ipv4ToBytes, ipv4ToText, ipv6ToText, parseIPv4, parseIPv6 } from './address.js';
import type { RdataCodec } from './codec.js';
import { base64Decode, base64Encode } from './encoding.js';
import { decimal, nameField, u16Field } from './fields.js';
import { decodeEscapes, quoteOctets } from './text.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

/** SvcParamKeys (RFC 9460 §14.3.2). */
const MANDATORY = 0;
const ALPN = 1;
const NO_DEFAULT_ALPN = 2;
const PORT = 3;
const IPV4HINT = 4;
const ECH = 5;
const IPV6HINT = 6;
const DOHPATH = 7;
const OHTTP = 8;

/** Names BIND 9.18 prints; later keys print as keyNNNNN. */
const KEY_NAMES: readonly string[] = ['mandatory', 'alpn', 'no-default-alpn', 'port', 'ipv4hint', 'ech', 'ipv6hint'];
/** Names we read: the above plus dohpath (RFC 9461) and ohttp (RFC 9540). */
const KEY_BY_NAME: ReadonlyMap<string, number> = new Map([...KEY_NAMES.map((n, i) => [n, i] as const), ['dohpath', DOHPATH], ['ohttp', OHTTP]]);

/** Key number for a name or `keyNNNNN` (no leading zeros), or -1. */
function keyFromText(text: string): number {
  const named = KEY_BY_NAME.get(text);
  if (named !== undefined) return named;
  if (!text.startsWith('key')) return -1;
  const digits = text.slice(3);
  if (digits.length === 0 || (digits.length > 1 && digits.charCodeAt(0) === 48)) return -1;
  const v = decimal(digits, 0xffff);
  return v < 0 ? -1 : v;
}

function keyToText(key: number): string {
  return key < KEY_NAMES.length ? KEY_NAMES[key]! : `key${key}`;
}

interface Param {
  key: number;
  value: Bytes;
  token: number;
}

/** True if the char at `idx` is preceded by an odd number of backslashes. */
function isEscaped(s: string, idx: number): boolean {
  let n = 0;
  for (let k = idx - 1; k >= 0 && s.charCodeAt(k) === 0x5c; k--) n++;
  return n % 2 === 1;
}

/** Splits a comma-separated list with no escapes (mandatory, ipv4hint, ipv6hint). */
function plainList(value: string, what: string, i: number): string[] {
  const items = value.split(',');
  for (const item of items) if (item === '') throw new RdataError(`${what}: empty item in "${value}"`, i);
  return items;
}

/**
 * alpn's value-list (RFC 9460 Appendix A.1): after character-string decoding, `\,` is a comma
 * inside an item and `\\` a backslash; other commas separate items.
 */
function alpnItems(value: string, what: string, i: number): string[] {
  const items: string[] = [];
  let cur = '';
  for (let k = 0; k < value.length; k++) {
    const c = value[k]!;
    if (c === '\\') {
      const next = value[k + 1];
      if (next !== ',' && next !== '\\') throw new RdataError(`${what}: in an alpn list a backslash must escape "," or "\\"`, i);
      cur += next;
      k++;
    } else if (c === ',') {
      items.push(cur);
      cur = '';
    } else cur += c;
  }
  items.push(cur);
  for (const item of items) {
    if (item.length === 0) throw new RdataError(`${what}: empty protocol id in "${value}"`, i);
    if (item.length > 255) throw new RdataError(`${what}: protocol id is ${item.length} octets; the limit is 255`, i);
  }
  return items;
}

function required(value: string | undefined, what: string, i: number): string {
  if (value === undefined || value === '') throw new RdataError(`${what} needs a value`, i);
  return value;
}

/** Wire value of one param from its decoded presentation value (undefined: no `=`). */
function paramValue(key: number, value: string | undefined, what: string, i: number): Bytes {
  let out = '';
  switch (key) {
    case MANDATORY: {
      const keys: number[] = [];
      for (const item of plainList(required(value, what, i), what, i)) {
        const k = keyFromText(item);
        if (k < 0) throw new RdataError(`${what}: unknown key "${item}"`, i);
        if (k === MANDATORY) throw new RdataError(`${what} must not list mandatory itself`, i);
        if (keys.includes(k)) throw new RdataError(`${what} lists "${item}" twice`, i);
        keys.push(k);
      }
      keys.sort((a, b) => a - b);
      for (const k of keys) out += u16(k);
      return out;
    }
    case ALPN:
      for (const id of alpnItems(required(value, what, i), what, i)) out += String.fromCharCode(id.length) + id;
      return out;
    case NO_DEFAULT_ALPN:
      // §7.1.1: the value MUST be empty.
      if (value !== undefined && value !== '') throw new RdataError(`${what} takes no value`, i);
      return '';
    case PORT: {
      const text = required(value, what, i);
      const port = decimal(text, 0xffff);
      if (port < 0) throw new RdataError(`${what} "${text}" is not ${port === -2 ? '0-65535' : 'a number'}`, i);
      return u16(port);
    }
    case IPV4HINT:
      for (const a of plainList(required(value, what, i), what, i)) {
        const v = parseIPv4(a);
        if (v < 0) throw new RdataError(`${what}: bad IPv4 address "${a}"`, i);
        out += ipv4ToBytes(v);
      }
      return out;
    case ECH: {
      // An ECHConfigList is never empty: `ech` alone is refused, as Knot does (BIND takes it).
      const text = required(value, what, i);
      const ech = base64Decode(text);
      if (ech === undefined || ech.length === 0) throw new RdataError(`${what}: bad base64 "${text}"`, i);
      return ech;
    }
    case DOHPATH:
      // RFC 9461 §5: a URI template, so never empty.
      return required(value, what, i);
    case OHTTP:
      // RFC 9540 §4: the value MUST be empty.
      if (value !== undefined && value !== '') throw new RdataError(`${what} takes no value`, i);
      if (value === '') throw new RdataError(`${what} takes no value: write "ohttp", not "ohttp="`, i);
      return '';
    case IPV6HINT:
      for (const a of plainList(required(value, what, i), what, i)) {
        const v = parseIPv6(a);
        if (v === undefined) throw new RdataError(`${what}: bad IPv6 address "${a}"`, i);
        out += v;
      }
      return out;
    default:
      // Keys without a defined format (RFC 9460 §2.1): the value is opaque octets.
      return value ?? '';
  }
}

/** Presentation of one param; throws on a value that is malformed for its key. */
function paramText(type: string, key: number, v: Bytes): string {
  const bad = (): RdataError => new RdataError(`${type} ${keyToText(key)} value is malformed`);
  switch (key) {
    case MANDATORY: {
      if (v.length === 0 || v.length % 2 !== 0) throw bad();
      let list = '';
      let prev = -1;
      for (let k = 0; k < v.length; k += 2) {
        const key2 = (v.charCodeAt(k) << 8) | v.charCodeAt(k + 1);
        if (key2 <= prev || key2 === MANDATORY) throw bad();
        prev = key2;
        list += (k === 0 ? '' : ',') + keyToText(key2);
      }
      return `mandatory=${list}`;
    }
    case ALPN: {
      if (v.length === 0) throw bad();
      let list = '';
      for (let k = 0; k < v.length; ) {
        const n = v.charCodeAt(k);
        if (n === 0 || k + 1 + n > v.length) throw bad();
        const id = v.slice(k + 1, k + 1 + n).replace(/[\\,]/g, '\\$&');
        list += (k === 0 ? '' : ',') + id;
        k += 1 + n;
      }
      return `alpn=${quoteOctets(list)}`;
    }
    case NO_DEFAULT_ALPN:
      if (v.length !== 0) throw bad();
      return 'no-default-alpn';
    case PORT:
      if (v.length !== 2) throw bad();
      return `port=${(v.charCodeAt(0) << 8) | v.charCodeAt(1)}`;
    case IPV4HINT: {
      if (v.length === 0 || v.length % 4 !== 0) throw bad();
      let list = '';
      for (let k = 0; k < v.length; k += 4) list += (k === 0 ? '' : ',') + ipv4ToText(v, k);
      return `ipv4hint=${list}`;
    }
    case ECH:
      if (v.length === 0) throw bad();
      return `ech=${base64Encode(v)}`;
    case IPV6HINT: {
      if (v.length === 0 || v.length % 16 !== 0) throw bad();
      let list = '';
      for (let k = 0; k < v.length; k += 16) list += (k === 0 ? '' : ',') + ipv6ToText(v, k);
      return `ipv6hint=${list}`;
    }
    default:
      if ((key === DOHPATH && v.length === 0) || (key === OHTTP && v.length !== 0)) throw bad();
      return v.length === 0 ? `key${key}` : `key${key}=${quoteOctets(v)}`;
  }
}

export function svcbCodec(type: string): RdataCodec {
  return {
    parse(tokens, origin) {
      const priority = u16Field(tokens, 0, type, 'priority');
      const target = nameField(tokens, 1, origin, type, 'target');
      const params: Param[] = [];
      for (let i = 2; i < tokens.length; i++) {
        const t = tokens[i]!;
        if (t.quoted) throw new RdataError(`${type} SvcParam must be key=value, not a quoted string "${t.text}"`, i);
        const ti = i;
        const eq = t.text.indexOf('=');
        const keyText = eq < 0 ? t.text : t.text.slice(0, eq);
        const key = keyFromText(keyText);
        if (key < 0) throw new RdataError(`unknown ${type} SvcParamKey "${keyText}"`, i);
        let raw: string | undefined;
        if (eq >= 0) {
          raw = t.text.slice(eq + 1);
          if (raw === '') {
            const next = tokens[i + 1];
            if (next !== undefined && next.quoted) {
              raw = next.text;
              i++;
            }
          } else if (raw.charCodeAt(0) === 0x22) {
            if (raw.length < 2 || raw.charCodeAt(raw.length - 1) !== 0x22 || isEscaped(raw, raw.length - 1)) {
              throw new RdataError(`${type} ${keyText}: unterminated quoted value in "${t.text}"`, ti);
            }
            raw = raw.slice(1, -1);
          }
        }
        const what = `${type} ${keyText}`;
        const value = raw === undefined ? undefined : decodeEscapes(raw, ti, what);
        const wire = paramValue(key, value, what, ti);
        if (wire.length > 0xffff) throw new RdataError(`${what} value is ${wire.length} octets; the limit is 65535`, ti);
        params.push({ key, value: wire, token: ti });
      }
      params.sort((a, b) => a.key - b.key || a.token - b.token);
      let out = u16(priority) + target;
      let mandatory: Bytes | undefined;
      let hasAlpn = false;
      let noDefaultAlpn = -1;
      for (let k = 0; k < params.length; k++) {
        const p = params[k]!;
        if (k > 0 && params[k - 1]!.key === p.key) throw new RdataError(`${type} SvcParamKey ${keyToText(p.key)} appears twice`, p.token);
        if (p.key === MANDATORY) mandatory = p.value;
        else if (p.key === ALPN) hasAlpn = true;
        else if (p.key === NO_DEFAULT_ALPN) noDefaultAlpn = p.token;
        out += u16(p.key) + u16(p.value.length) + p.value;
      }
      // Self-consistency (RFC 9460 §2.4.3: zone-file implementations SHOULD enforce it, and
      // BIND does; Knot does not): mandatory keys must be present (§8), and no-default-alpn
      // needs alpn (§7.1.1). It is a ServiceMode notion: in AliasMode (priority 0) the params
      // are ignored (§2.4.2), so they are only parsed.
      if (priority === 0) return out;
      if (mandatory !== undefined) {
        for (let k = 0; k < mandatory.length; k += 2) {
          const key = (mandatory.charCodeAt(k) << 8) | mandatory.charCodeAt(k + 1);
          if (!params.some((p) => p.key === key)) {
            throw new RdataError(`${type} mandatory lists ${keyToText(key)}, which is not present`, params.find((p) => p.key === MANDATORY)!.token);
          }
        }
      }
      if (noDefaultAlpn >= 0 && !hasAlpn) throw new RdataError(`${type} no-default-alpn needs an alpn parameter`, noDefaultAlpn);
      return out;
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      let out = `${r.u16('priority')} ${nameToText(r.name('target'))}`;
      let prev = -1;
      while (r.remaining > 0) {
        const key = r.u16('SvcParamKey');
        const len = r.u16('SvcParam length');
        const value = r.bytes(len, 'SvcParam value');
        if (key <= prev) throw new RdataError(`${type} SvcParamKeys are not in increasing order`);
        prev = key;
        out += ' ' + paramText(type, key, value);
      }
      return out;
    },
  };
}
