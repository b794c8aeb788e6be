// What `dnssec-verify` and `ldns-verify-zone` would say about a signed zone, as warnings: an
// authoritative RRset without a signature by every algorithm of the zone's keys (RFC 4035 §2.2),
// signatures expired, not yet valid, or expiring soon (RFC 4034 §3.1.5), an NSEC chain with a
// name missing, a wrong next name or a wrong type bitmap (RFC 4034 §4, RFC 4035 §2.3), the same
// for the NSEC3 chain (RFC 5155 §7.1), and an NSEC3PARAM that matches no chain (RFC 5155 §4).
//
// Pure over a built snapshot and a clock reading: no signature is checked cryptographically
// (zonedns serves zones as their signer signed them; a validator decides), but every structural
// fault that makes validators fail an answer is found. A zone without DNSSEC records gets nothing.

import { readU16, readU32, type Bytes } from '../dns/bytes.js';
import { RRType, typeToString } from '../dns/constants.js';
import { nameKey, nameToText, readName, type Name } from '../dns/name.js';
import { typesFromTypeBitmap } from '../dns/rdata/bitmap.js';
import { base32HexDecode, base32HexEncode, hexEncode } from '../dns/rdata/encoding.js';
import { sigTimeToText } from '../dns/rdata/sigtime.js';
import { serialGreater } from '../dns/serial.js';
import { sortByCanonicalName } from '../dns/canonical-order.js';
import { getRRset, type RRset, type ZoneNode, type ZoneSnapshot } from '../zone/snapshot.js';
import { hasSignedData, isNsec3Owner, isOccluded, isSignedType, provenTypes } from './authority.js';
import { signaturesOf } from './denial.js';
import { keyTag } from './key-tag.js';
import { nsec3HashBytes } from './nsec3-hash.js';

/** Something wrong with a signed zone, at an RRset (and the record of it, when one is meant). */
export interface ZoneFinding {
  set: RRset;
  /** The record of `set` the finding is about; undefined: the RRset as a whole. */
  record?: Bytes;
  message: string;
}

export interface VerifyOptions {
  /** Seconds since 1970: the time signatures must be valid at. */
  now: number;
  /** Signatures expiring within this many seconds are reported (default 7 days). */
  expiryWarning?: number;
  /** Findings of one kind listed before the rest are only counted (default 10). */
  limit?: number;
}

export const DEFAULT_EXPIRY_WARNING = 7 * 86400;

/** Key flags (RFC 4034 §2.1.1): the Zone Key bit, and the Revoke bit (RFC 5011 §7). */
const ZONE_KEY = 0x0100;
const REVOKED = 0x0080;
/** NSEC3 flags (RFC 5155 §3.1.2): Opt-Out. */
const OPT_OUT = 1;

/** An RRSIG's fields that matter here (RFC 4034 §3.1). */
interface Sig {
  covered: number;
  algorithm: number;
  expiration: number;
  inception: number;
  keyTag: number;
  signer: Name;
}

function readSig(rdata: Bytes): Sig | undefined {
  if (rdata.length < 19) return undefined;
  try {
    return {
      covered: readU16(rdata, 0), algorithm: rdata.charCodeAt(2), expiration: readU32(rdata, 8),
      inception: readU32(rdata, 12), keyTag: readU16(rdata, 16), signer: readName(rdata, 18)[0],
    };
  } catch {
    return undefined;
  }
}

/** One NSEC3 record as the chain checks read it. */
interface Nsec3 {
  node: ZoneNode;
  set: RRset;
  rdata: Bytes;
  ownerHash: Bytes;
  nextHash: Bytes;
  optOut: boolean;
  types: number[];
}

/** NSEC3 / NSEC3PARAM hash parameters: algorithm, iterations, salt (RFC 5155 §3.1). */
interface Params {
  algorithm: number;
  iterations: number;
  salt: Bytes;
  /** What identifies a chain: algorithm, iterations and salt. */
  key: string;
}

function readParams(rdata: Bytes): { params: Params; end: number } | undefined {
  if (rdata.length < 5) return undefined;
  const algorithm = rdata.charCodeAt(0);
  const iterations = readU16(rdata, 2);
  const saltLength = rdata.charCodeAt(4);
  if (rdata.length < 5 + saltLength) return undefined;
  const salt = rdata.slice(5, 5 + saltLength);
  return { params: { algorithm, iterations, salt, key: `${algorithm}/${iterations}/${salt}` }, end: 5 + saltLength };
}

function paramsText(p: Params): string {
  return `${p.algorithm} ${p.iterations} ${p.salt.length === 0 ? '-' : hexEncode(p.salt)}`;
}

function typesText(types: readonly number[]): string {
  return types.length === 0 ? '(no types)' : types.map(typeToString).join(' ');
}

function sameTypes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

function timeText(t: number): string {
  const s = sigTimeToText(t);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)} UTC`;
}

/** Findings by kind, the first `limit` of each listed and the rest counted in one line. */
class Findings {
  private readonly counts = new Map<string, { first: ZoneFinding; count: number; what: string }>();

  constructor(private readonly report: (f: ZoneFinding) => void, private readonly limit: number) {}

  /** `what`: the kind in the plural, for the count line ("RRSIGs expired"). */
  add(what: string, finding: ZoneFinding): void {
    let c = this.counts.get(what);
    if (c === undefined) this.counts.set(what, (c = { first: finding, count: 0, what }));
    if (++c.count <= this.limit) this.report(finding);
  }

  /** A finding that can occur only once per zone. */
  once(finding: ZoneFinding): void {
    this.report(finding);
  }

  flush(): void {
    for (const c of this.counts.values()) {
      if (c.count > this.limit) {
        this.report({ set: c.first.set, record: c.first.record, message: `${c.what}: ${c.count - this.limit} more besides the ${this.limit} listed` });
      }
    }
  }
}

/** Reports, through `report`, what is wrong with the DNSSEC records of `zone` at `opts.now`. */
export function verifyZone(zone: ZoneSnapshot, opts: VerifyOptions, report: (f: ZoneFinding) => void): void {
  const findings = new Findings(report, opts.limit ?? 10);
  const origin = zone.origin;
  const originText = nameToText(origin);
  const apex = zone.apex;

  // A signed zone has a DNSKEY RRset or signatures at its apex; anything else is taken as unsigned
  // without visiting the rest (this runs on every load of every zone).
  if (getRRset(apex, RRType.DNSKEY) === undefined && getRRset(apex, RRType.RRSIG) === undefined) return;
  let firstSig: RRset | undefined;
  let hasNsec = false;
  let firstNsec3: RRset | undefined;
  for (const node of zone.nodes.values()) {
    for (let s = node.firstSet; s !== undefined; s = s.next) {
      if (s.type === RRType.RRSIG) firstSig ??= s;
      else if (s.type === RRType.NSEC) hasNsec = true;
      else if (s.type === RRType.NSEC3) firstNsec3 ??= s;
    }
  }
  const dnskeys = getRRset(apex, RRType.DNSKEY);
  if (firstSig === undefined) {
    if (dnskeys !== undefined) findings.once({ set: dnskeys, message: `${originText} has DNSKEY records but no RRSIG: the zone is not signed, and a parent's DS for these keys would make it fail validation` });
    findings.flush();
    return;
  }
  if (dnskeys === undefined) {
    findings.once({ set: firstSig, message: `the zone has RRSIG records but no DNSKEY at the apex ${originText}: no signature can be validated` });
    findings.flush();
    return;
  }

  // Keys by algorithm: every authoritative RRset needs a signature by each algorithm of the
  // DNSKEY RRset (RFC 4035 §2.2, RFC 6840 §5.11 relaxed this only for validators).
  const keysByAlgorithm = new Map<number, Set<number>>();
  for (const k of dnskeys.rdata) {
    if (k.length < 4) continue;
    const flags = readU16(k, 0);
    if (!(flags & ZONE_KEY) || flags & REVOKED) continue;
    const alg = k.charCodeAt(3);
    let tags = keysByAlgorithm.get(alg);
    if (tags === undefined) keysByAlgorithm.set(alg, (tags = new Set()));
    tags.add(keyTag(k));
  }
  const now = opts.now >>> 0;
  const soon = (now + (opts.expiryWarning ?? DEFAULT_EXPIRY_WARNING)) >>> 0;
  const days = Math.round((opts.expiryWarning ?? DEFAULT_EXPIRY_WARNING) / 86400);

  for (const node of zone.nodes.values()) {
    for (let s = node.firstSet; s !== undefined; s = s.next) {
      if (s.type === RRType.RRSIG) {
        checkTimes(node, s);
        continue;
      }
      if (!isSignedType(node, s.type)) continue;
      checkCoverage(node, s);
    }
  }

  function checkTimes(node: ZoneNode, sigs: RRset): void {
    for (const rdata of sigs.rdata) {
      const sig = readSig(rdata);
      if (sig === undefined) continue;
      const what = `RRSIG ${nameToText(node.name)} ${typeToString(sig.covered)} (key ${sig.keyTag})`;
      if (serialGreater(now, sig.expiration)) {
        findings.add('RRSIGs expired', { set: sigs, record: rdata, message: `${what} expired ${timeText(sig.expiration)}: validators reject it (RFC 4035 §5.3.1)` });
      } else if (serialGreater(sig.inception, now)) {
        findings.add('RRSIGs not yet valid', { set: sigs, record: rdata, message: `${what} is not valid before ${timeText(sig.inception)}: validators reject it (RFC 4035 §5.3.1)` });
      } else if (serialGreater(soon, sig.expiration)) {
        findings.add(`RRSIGs expiring within ${days} days`, { set: sigs, record: rdata, message: `${what} expires ${timeText(sig.expiration)}, within ${days} days: re-sign the zone` });
      }
    }
  }

  function checkCoverage(node: ZoneNode, set: RRset): void {
    const sigs = signaturesOf(node, set.type);
    for (const [alg, tags] of keysByAlgorithm) {
      let found = false;
      if (sigs !== undefined) {
        for (const rdata of sigs.rdata) {
          const sig = readSig(rdata);
          if (sig !== undefined && sig.algorithm === alg && tags.has(sig.keyTag) && nameKey(sig.signer) === zone.originKey) {
            found = true;
            break;
          }
        }
      }
      if (!found) {
        const by = sigs === undefined ? 'has no RRSIG' : `has no RRSIG by a key of algorithm ${alg} in the zone's DNSKEY RRset`;
        findings.add('RRsets without RRSIG', { set, message: `${nameToText(node.name)} ${typeToString(set.type)} ${by} (RFC 4035 §2.2): validators treat answers with it as bogus` });
      }
    }
  }

  // Denial of existence: the NSEC chain, or the NSEC3 chain(s).
  const nsec3params = getRRset(apex, RRType.NSEC3PARAM);
  if (hasNsec || (firstNsec3 === undefined && nsec3params === undefined)) checkNsecChain();
  if (firstNsec3 !== undefined || nsec3params !== undefined) checkNsec3();
  findings.flush();

  /** The names an NSEC or NSEC3 chain must prove: authoritative names, zone cuts included. */
  function provenNodes(withEmpty: boolean): ZoneNode[] {
    const out: ZoneNode[] = [];
    for (const node of zone.nodes.values()) {
      if (isOccluded(node) || isNsec3Owner(node)) continue;
      if (node.firstSet === undefined && !withEmpty) continue;
      out.push(node);
    }
    return out;
  }

  function canonicalOrder(nodes: ZoneNode[]): ZoneNode[] {
    const suffix = zone.originKey.length;
    return sortByCanonicalName(nodes, (n) => n.name, suffix);
  }

  function checkNsecChain(): void {
    if (!hasNsec) {
      findings.once({ set: zone.soa, message: `the zone is signed but has no NSEC or NSEC3 records: no negative answer can be proved (RFC 4035 §2.3)` });
      return;
    }
    const ordered = canonicalOrder(provenNodes(false));
    for (let i = 0; i < ordered.length; i++) {
      const node = ordered[i]!;
      const owner = nameToText(node.name);
      const nsec = getRRset(node, RRType.NSEC);
      if (nsec === undefined) {
        findings.add('names without NSEC', { set: node.firstSet!, message: `no NSEC at ${owner}: the NSEC chain skips it, so it cannot be proved to exist (RFC 4035 §2.3)` });
        continue;
      }
      const rdata = nsec.rdata[0]!;
      let next: Name;
      let bitmap: number[];
      try {
        const [n, end] = readName(rdata, 0);
        next = n;
        bitmap = typesFromTypeBitmap(rdata.slice(end));
      } catch {
        continue; // the loader's RDATA checks report malformed records
      }
      const expected = ordered[(i + 1) % ordered.length]!.name;
      if (nameKey(next) !== nameKey(expected)) {
        findings.add('NSEC records with a wrong next name', { set: nsec, record: rdata, message: `NSEC chain broken at ${owner}: its NSEC points to ${nameToText(next)}, but the next name in the zone is ${nameToText(expected)} (RFC 4034 §4.1.1)` });
      }
      const want = [...provenTypes(node), RRType.RRSIG, RRType.NSEC].sort((a, b) => a - b);
      if (!sameTypes(bitmap, want)) {
        findings.add('NSEC records with a wrong type bitmap', { set: nsec, record: rdata, message: `NSEC at ${owner} lists ${typesText(bitmap)}, but the name has ${typesText(want)} (RFC 4034 §4.1.2)` });
      }
    }
  }

  function checkNsec3(): void {
    // Every NSEC3 record, by chain (hash parameters).
    const chains = new Map<string, { params: Params; records: Nsec3[] }>();
    for (const node of zone.nodes.values()) {
      const set = getRRset(node, RRType.NSEC3);
      if (set === undefined) continue;
      const label = node.name.slice(1, 1 + node.name.charCodeAt(0));
      const ownerHash = base32HexDecode(label);
      for (const rdata of set.rdata) {
        const read = readParams(rdata);
        if (read === undefined || ownerHash === undefined) continue;
        const hashLength = rdata.charCodeAt(read.end);
        const nextHash = rdata.slice(read.end + 1, read.end + 1 + hashLength);
        let types: number[];
        try {
          types = typesFromTypeBitmap(rdata.slice(read.end + 1 + hashLength));
        } catch {
          continue;
        }
        let chain = chains.get(read.params.key);
        if (chain === undefined) chains.set(read.params.key, (chain = { params: read.params, records: [] }));
        chain.records.push({ node, set, rdata, ownerHash, nextHash, optOut: (rdata.charCodeAt(1) & OPT_OUT) !== 0, types });
      }
    }
    let chosen: { params: Params; records: Nsec3[] } | undefined;
    if (nsec3params === undefined) {
      findings.once({ set: firstNsec3!, message: `the zone has NSEC3 records but no NSEC3PARAM at the apex ${originText} (RFC 5155 §4)` });
      chosen = chains.values().next().value;
    } else {
      for (const rdata of nsec3params.rdata) {
        const read = readParams(rdata);
        if (read === undefined) continue;
        const chain = chains.get(read.params.key);
        if (chain === undefined) {
          findings.add('NSEC3PARAM records without a chain', { set: nsec3params, record: rdata, message: `NSEC3PARAM ${paramsText(read.params)} matches no NSEC3 chain in the zone (no NSEC3 record has this algorithm, iterations and salt; RFC 5155 §4)` });
        } else if (read.params.algorithm === 1) {
          chosen ??= chain;
        }
      }
    }
    if (chosen === undefined || chosen.params.algorithm !== 1) return;
    checkNsec3Chain(chosen.params, chosen.records);
  }

  function checkNsec3Chain(params: Params, records: Nsec3[]): void {
    const byHash = new Map<Bytes, Nsec3>();
    for (const r of records) byHash.set(r.ownerHash, r);
    const optOut = records.some((r) => r.optOut);
    const originKey = zone.originKey;
    // A missing empty non-terminal is reported at the first name below it that holds records.
    let firstBelow: Map<Name, ZoneNode> | undefined;
    const nameBelow = (ent: ZoneNode): ZoneNode | undefined => {
      if (firstBelow === undefined) {
        firstBelow = new Map();
        for (const node of zone.nodes.values()) {
          if (node.firstSet === undefined) continue;
          for (let k = nameKey(node.name); k.length > originKey.length; ) {
            k = k.slice(k.charCodeAt(0) + 1) as Name;
            if (!firstBelow.has(k)) firstBelow.set(k, node);
          }
        }
      }
      return firstBelow.get(nameKey(ent.name));
    };
    const hashed = new Map<Bytes, Name>();
    for (const node of provenNodes(true)) {
      const hash = nsec3HashBytes(node.name, params.salt, params.iterations);
      hashed.set(hash, node.name);
      const types = provenTypes(node);
      const owner = nameToText(node.name);
      const r = byHash.get(hash);
      if (r === undefined) {
        // Opt-out (RFC 5155 §6): insecure delegations, and names that exist only above them, may go unproved.
        const insecure = node.firstSet === undefined || (types.includes(RRType.NS) && !types.includes(RRType.DS) && node !== apex);
        if (optOut && insecure) continue;
        const at = node.firstSet ?? nameBelow(node)?.firstSet;
        if (at === undefined) continue;
        const what = node.firstSet === undefined ? 'the empty non-terminal ' : '';
        findings.add('names without NSEC3', { set: at, message: `no NSEC3 for ${what}${owner} (hash ${base32HexEncode(hash)}): the NSEC3 chain ${paramsText(params)} skips it, so it cannot be proved to exist (RFC 5155 §7.1)` });
        continue;
      }
      const want = hasSignedData(node, types) ? [...types, RRType.RRSIG].sort((a, b) => a - b) : types;
      if (!sameTypes(r.types, want)) {
        findings.add('NSEC3 records with a wrong type bitmap', { set: r.set, record: r.rdata, message: `NSEC3 for ${owner} lists ${typesText(r.types)}, but the name has ${typesText(want)} (RFC 5155 §3.2.1)` });
      }
    }
    // The chain: owner hashes in order, each record's next hash the following owner's, the last
    // one's the first (RFC 5155 §3.1.7). Binary strings compare as octets.
    const ordered = [...byHash.values()].sort((a, b) => (a.ownerHash < b.ownerHash ? -1 : a.ownerHash > b.ownerHash ? 1 : 0));
    const label = (h: Bytes) => {
      const name = hashed.get(h);
      return `${base32HexEncode(h)}${name === undefined ? '' : ` (${nameToText(name)})`}`;
    };
    for (let i = 0; i < ordered.length; i++) {
      const r = ordered[i]!;
      const expected = ordered[(i + 1) % ordered.length]!.ownerHash;
      if (r.nextHash !== expected) {
        findings.add('NSEC3 records with a wrong next hash', { set: r.set, record: r.rdata, message: `NSEC3 chain broken at ${label(r.ownerHash)}: its next hashed owner is ${base32HexEncode(r.nextHash)}, but the next NSEC3 in the zone is ${label(expected)} (RFC 5155 §3.1.7)` });
      }
    }
  }
}

/**
 * The DNSSEC checks as a loader `inspect` hook (LoadOptions.inspect): every finding a warning at
 * its file:line. `now` is read once per zone.
 */
export function dnssecChecks(now: () => number = () => Date.now() / 1000): (zone: ZoneSnapshot, warn: (set: RRset, message: string, record?: Bytes) => void) => void {
  return (zone, warn) => verifyZone(zone, { now: Math.floor(now()) }, (f) => warn(f.set, f.message, f.record));
}
