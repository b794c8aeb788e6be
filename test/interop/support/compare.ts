// Compares two DNS responses to the same query section by section and names every difference
// with a category. Whether a category is tolerated is decided by the caller's leniency table;
// this module only classifies, as narrowly as it can (a category that could be soft is only
// used when the difference is exactly of that shape).

import { FLAG, lowerName, nameText, parseResponse, rcodeName, ROOT_NAME, T, type ParsedRR, type ParsedResponse, type WireName } from './wire.js';

/** What one server did with one query: no reply, an unparsable reply, or a parsed one. */
export interface Outcome {
  raw: Buffer | undefined;
  parsed?: ParsedResponse;
  parseError?: string;
}

export function outcomeOf(raw: Buffer | undefined): Outcome {
  if (!raw) return { raw };
  try {
    return { raw, parsed: parseResponse(raw) };
  } catch (e) {
    return { raw, parseError: (e as Error).message };
  }
}

export interface Difference {
  category: string;
  detail: string;
}

/** EDNS option code of Extended DNS Errors (RFC 8914). */
export const EDE_OPTION = 15;

const FLAG_NAMES: Array<[keyof typeof FLAG, number]> = Object.entries(FLAG) as Array<[keyof typeof FLAG, number]>;

export function flagText(flags: number): string {
  return FLAG_NAMES.filter(([, bit]) => flags & bit).map(([n]) => n.toLowerCase()).join(',') || '-';
}

/** One-line summary of an outcome, for reports. */
export function summary(o: Outcome): string {
  if (!o.raw) return 'no reply';
  if (!o.parsed) return `malformed (${o.parseError})`;
  const p = o.parsed;
  const edns = p.opt ? ` edns=v${p.opt.version}${p.opt.flags & 0x8000 ? '+do' : ''}/${p.opt.udpSize}${p.opt.options.length ? ' opts=' + p.opt.options.map((x) => x.code).join(',') : ''}` : '';
  return `${rcodeName(p.rcode)} op=${p.opcode} flags=${flagText(p.flags)} qd=${p.qdcount} an=${p.answer.length} ns=${p.authority.length} ar=${p.additional.length}${edns} ${p.size}B`;
}

function rrKey(rr: ParsedRR): string {
  return `${lowerName(rr.owner)}|${rr.type}|${rr.cls}|${rr.ttl}|${rr.canon}`;
}

function keyed(rrs: readonly ParsedRR[]): Map<string, ParsedRR> {
  return new Map(rrs.map((rr) => [rrKey(rr), rr]));
}

export interface CompareOptions {
  /** The query's name (wire format), to tell its own RRs from chain targets. */
  qname?: WireName;
  /** The query's type (ANY answers are classified separately). */
  qtype?: number;
  /** The query's header flags (for the CD echo). */
  queryFlags?: number;
  /** The largest reply the client accepts over this transport (512, its EDNS size capped by the
   *  servers' 1232, or 65535 for TCP): additional data omitted close to it is a space decision. */
  sizeLimit?: number;
  /** Origins of every zone both servers serve (for CNAME chains that leave the query's zone). */
  zones?: readonly WireName[];
  /** 'header': rcode, flags, opcode, EDNS and question only (for odd probes). */
  depth?: 'full' | 'header';
}

/** How close to the size limit a reply must be for omitted additional data to count as a space decision. */
export const NEAR_LIMIT = 64;

function isBelow(name: WireName, ancestor: WireName): boolean {
  const n = lowerName(name);
  const a = lowerName(ancestor);
  if (a === ROOT_NAME) return true;
  if (n.length < a.length || !n.endsWith(a)) return false;
  // On a label boundary: walk n's labels until the remaining suffix has a's length.
  let i = 0;
  while (n.length - i > a.length) i += n.charCodeAt(i) + 1;
  return n.length - i === a.length;
}

function zoneOf(name: WireName, zones: readonly WireName[]): WireName | undefined {
  let best: WireName | undefined;
  for (const z of zones) if (isBelow(name, z) && (best === undefined || z.length > best.length)) best = z;
  return best === undefined ? undefined : lowerName(best);
}

/** Served zones other than the query's own that a CNAME in either answer points into. */
function chasedZones(r: ParsedResponse, t: ParsedResponse, opts: CompareOptions): Set<WireName> {
  const out = new Set<WireName>();
  if (!opts.zones || opts.qname === undefined) return out;
  const own = zoneOf(opts.qname, opts.zones);
  for (const rr of [...r.answer, ...t.answer]) {
    if (rr.type !== T.CNAME || !rr.target) continue;
    const z = zoneOf(rr.target, opts.zones);
    if (z !== undefined && z !== own) out.add(z);
  }
  return out;
}

/** Every difference between Knot's outcome (`ref`) and ours (`test`). Empty = identical. */
export function compareOutcomes(ref: Outcome, test: Outcome, opts: CompareOptions = {}): Difference[] {
  const d: Difference[] = [];
  if (!ref.raw || !test.raw) {
    if (!ref.raw && !test.raw) return [{ category: 'both-silent', detail: 'neither server replied' }];
    return [{ category: 'transport', detail: `knot: ${summary(ref)} / ours: ${summary(test)}` }];
  }
  if (!test.parsed) return [{ category: 'malformed', detail: `our reply does not parse: ${test.parseError}` }];
  if (!ref.parsed) return [{ category: 'malformed', detail: `Knot's reply does not parse: ${ref.parseError}` }];
  const r = ref.parsed;
  const t = test.parsed;

  if (r.id !== t.id) d.push({ category: 'id', detail: `${r.id} vs ${t.id}` });
  if (r.opcode !== t.opcode) d.push({ category: 'opcode', detail: `${r.opcode} vs ${t.opcode}` });
  const chased = chasedZones(r, t, opts);
  if (r.rcode !== t.rcode) d.push({ category: chased.size ? 'cross-zone-chase' : 'rcode', detail: `rcode ${rcodeName(r.rcode)} vs ${rcodeName(t.rcode)}` });
  for (const [n, bit] of FLAG_NAMES) {
    if ((r.flags & bit) === (t.flags & bit)) continue;
    // RFC 4035 §3: a security-aware name server copies CD from the query; Knot clears it.
    const cdEcho = bit === FLAG.CD && (opts.queryFlags ?? 0) & FLAG.CD && (t.flags & FLAG.CD) !== 0;
    d.push({ category: cdEcho ? 'cd-echo' : `flag-${n}`, detail: `${n} ${r.flags & bit ? 'set' : 'clear'} vs ${t.flags & bit ? 'set' : 'clear'}` });
  }
  if (r.qdcount !== t.qdcount || !r.question.equals(t.question)) {
    d.push({ category: 'question', detail: `qd=${r.qdcount} ${r.question.toString('hex')} vs qd=${t.qdcount} ${t.question.toString('hex')}` });
  }
  compareEdns(r, t, d);
  if (opts.depth === 'header') return d;

  const rtc = (r.flags & FLAG.TC) !== 0;
  const ttc = (t.flags & FLAG.TC) !== 0;
  if (rtc && ttc) {
    // Both truncated: what a truncated reply carries is the implementation's choice
    // (RFC 2181 §9); the client retries over TCP, which has its own cases.
    const same = ['answer', 'authority', 'additional'].every((s) => sameSet(r[s as 'answer'], t[s as 'answer']));
    if (!same) d.push({ category: 'both-truncated', detail: `sections differ: knot an=${r.answer.length} ns=${r.authority.length} ar=${r.additional.length}, ours an=${t.answer.length} ns=${t.authority.length} ar=${t.additional.length}` });
    return d;
  }
  const anyDiffers = opts.qtype === T.ANY && !sameSet(r.answer, t.answer);
  for (const sec of ['answer', 'authority', 'additional'] as const) {
    const diff = sectionDiff(r[sec], t[sec]);
    if (!diff) continue;
    const { onlyR, onlyT } = diff;
    if (onlyR.length === 0 && onlyT.length === 0) {
      // Same RRs; owner names differ in case only. Answer RRs owned by the QNAME must carry the
      // question's case; other owners' case is whatever the server's compression produced.
      const q = opts.qname === undefined ? undefined : lowerName(opts.qname);
      const qnameCase = sec === 'answer' && diff.caseR.concat(diff.caseT).some((o) => lowerName(o) === q);
      d.push({
        category: qnameCase ? 'qname-case' : 'owner-case',
        detail: `${sec} owners: knot ${diff.caseR.map(nameText).join(' ')} / ours ${diff.caseT.map(nameText).join(' ')}`,
      });
      continue;
    }
    const lines = [...onlyR.map((rr) => `-${rr.text}`).sort(), ...onlyT.map((rr) => `+${rr.text}`).sort()];
    const detail = `${sec} (- only Knot, + only ours): ${lines.join(' | ')}`;
    const diffRRs = [...onlyR, ...onlyT];
    let cat: string = sec;
    if (anyDiffers) cat = 'any';
    else if (sec === 'authority' && wildcardNsecProof(r, t, onlyR, onlyT, opts)) cat = 'wildcard-nsec-proof';
    else if (chased.size && opts.zones && diffRRs.every((rr) => chased.has(zoneOf(rr.owner, opts.zones!) ?? ROOT_NAME))) cat = 'cross-zone-chase';
    else if (sec === 'additional' && additionalSpace(r, t, onlyR, onlyT, opts)) cat = 'additional-space';
    d.push({ category: cat, detail });
  }
  return d;
}

/**
 * qtype NSEC answered through a wildcard (an NSEC zone): the answers agree, and the only extra
 * authority records are ours, the NSEC (and its RRSIG) owned by the wildcard that proves no
 * closer name exists. Knot 3.2 drops that proof as a duplicate of the expanded NSEC it put in
 * the answer, and unbound then calls its answer bogus.
 */
function wildcardNsecProof(r: ParsedResponse, t: ParsedResponse, onlyR: ParsedRR[], onlyT: ParsedRR[], opts: CompareOptions): boolean {
  if (opts.qtype !== T.NSEC || onlyR.length > 0 || onlyT.length === 0 || !sameSet(r.answer, t.answer)) return false;
  const wildcardOwned = (rr: ParsedRR) => rr.owner.startsWith('\x01*');
  return onlyT.every((rr) => wildcardOwned(rr) && (rr.type === T.NSEC || (rr.type === T.RRSIG && rr.canon.startsWith('002f'))));
}

/**
 * Optional additional data left out for space: one side's additional section is a subset of the
 * other's, answer and authority agree, the reply is not a referral (whose glue is required,
 * RFC 9471), and the fuller reply is within NEAR_LIMIT octets of the client's limit.
 */
function additionalSpace(r: ParsedResponse, t: ParsedResponse, onlyR: ParsedRR[], onlyT: ParsedRR[], opts: CompareOptions): boolean {
  if (opts.sizeLimit === undefined) return false;
  if (onlyR.length > 0 && onlyT.length > 0) return false;
  if (!sameSet(r.answer, t.answer) || !sameSet(r.authority, t.authority)) return false;
  const referral = (p: ParsedResponse) => !(p.flags & FLAG.AA) && p.authority.some((rr) => rr.type === T.NS);
  if (referral(r) || referral(t)) return false;
  return Math.max(r.size, t.size) > opts.sizeLimit - NEAR_LIMIT;
}

function sameSet(a: readonly ParsedRR[], b: readonly ParsedRR[]): boolean {
  const ka = keyed(a);
  const kb = keyed(b);
  return ka.size === kb.size && [...ka.keys()].every((k) => kb.has(k));
}

function compareEdns(r: ParsedResponse, t: ParsedResponse, d: Difference[]): void {
  const ro = r.opt;
  const to = t.opt;
  if (!ro || !to) {
    if (ro || to) d.push({ category: 'edns', detail: `OPT ${ro ? 'present' : 'absent'} vs ${to ? 'present' : 'absent'}` });
    return;
  }
  if (ro.version !== to.version) d.push({ category: 'edns', detail: `version ${ro.version} vs ${to.version}` });
  if ((ro.flags & 0x8000) !== (to.flags & 0x8000)) d.push({ category: 'edns', detail: `DO ${ro.flags & 0x8000 ? 'set' : 'clear'} vs ${to.flags & 0x8000 ? 'set' : 'clear'}` });
  if ((ro.flags & 0x7fff) !== (to.flags & 0x7fff)) d.push({ category: 'edns', detail: `EDNS flags 0x${ro.flags.toString(16)} vs 0x${to.flags.toString(16)}` });
  if (ro.udpSize !== to.udpSize) d.push({ category: 'edns', detail: `UDP payload ${ro.udpSize} vs ${to.udpSize}` });
  const optKey = (o: { code: number; data: Buffer }) => `${o.code}:${o.data.toString('hex')}`;
  const rk = new Set(ro.options.map(optKey));
  const tk = new Set(to.options.map(optKey));
  const onlyR = ro.options.filter((o) => !tk.has(optKey(o)));
  const onlyT = to.options.filter((o) => !rk.has(optKey(o)));
  if (onlyR.length === 0 && onlyT.length === 0) return;
  const show = (os: typeof onlyR) => os.map((o) => `${o.code}${o.code === EDE_OPTION ? `(EDE ${edeText(o.data)})` : ''}`).join(',') || '-';
  // Only Knot-side Extended DNS Errors, and nothing else differs: a category of its own.
  const cat = onlyT.length === 0 && onlyR.every((o) => o.code === EDE_OPTION) ? 'edns-ede' : 'edns-options';
  d.push({ category: cat, detail: `options only in Knot's: ${show(onlyR)}; only in ours: ${show(onlyT)}` });
}

function edeText(data: Buffer): string {
  if (data.length < 2) return 'short';
  const text = data.subarray(2).toString('utf8');
  return `${data.readUInt16BE(0)}${text ? ` "${text}"` : ''}`;
}

interface SectionDiff {
  onlyR: ParsedRR[];
  onlyT: ParsedRR[];
  /** Owner spellings only one side used (when the RRs are otherwise the same). */
  caseR: WireName[];
  caseT: WireName[];
}

/** undefined when the sections are identical (owner case included). */
function sectionDiff(ref: readonly ParsedRR[], test: readonly ParsedRR[]): SectionDiff | undefined {
  const rk = keyed(ref);
  const tk = keyed(test);
  const onlyR = [...rk].filter(([k]) => !tk.has(k)).map(([, v]) => v);
  const onlyT = [...tk].filter(([k]) => !rk.has(k)).map(([, v]) => v);
  const rc = new Set(ref.map((rr) => rr.owner));
  const tc = new Set(test.map((rr) => rr.owner));
  const caseR = [...rc].filter((o) => !tc.has(o));
  const caseT = [...tc].filter((o) => !rc.has(o));
  // Duplicate RRs in one section are a difference the set view would hide: report as extra RRs.
  if (rk.size !== ref.length) onlyR.push(...dupes(ref));
  if (tk.size !== test.length) onlyT.push(...dupes(test));
  if (onlyR.length === 0 && onlyT.length === 0 && caseR.length === 0 && caseT.length === 0) return undefined;
  return { onlyR, onlyT, caseR, caseT };
}

function dupes(rrs: readonly ParsedRR[]): ParsedRR[] {
  const seen = new Set<string>();
  const out: ParsedRR[] = [];
  for (const rr of rrs) {
    const k = rrKey(rr);
    if (seen.has(k)) out.push({ ...rr, text: `${rr.text} (duplicate)` });
    seen.add(k);
  }
  return out;
}
