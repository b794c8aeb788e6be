// The signer: an unsigned snapshot (a fresh load of the zone file, or the served signed snapshot
// when only signatures need refreshing) in, a signed snapshot out — DNSKEY, CDS and CDNSKEY at the
// apex (RFC 4034 §2, RFC 7344, RFC 8078), an RRSIG over every authoritative RRset (RFC 4035 §2.2:
// not glue, not the NS RRset at a zone cut; DS there yes), and an NSEC (RFC 4034 §4, RFC 4035
// §2.3) or NSEC3 chain (RFC 5155 §7.1, with RFC 9276's parameters: SHA-1, no extra iterations,
// no salt, no opt-out).
//
// Incremental, after Knot's zone-sign.c: given the previous signed snapshot, a signature is kept
// when its RRset is unchanged, it was made by this key, and now ∈ [inception, expiration −
// refresh − pre-refresh]; a node whose data, flags, NSEC and signatures all stay is the previous
// snapshot's node object itself (shared between the two immutable snapshots, so the journal's
// diff skips it at once). Only changed RRsets, the NSEC / NSEC3 records around names that came,
// went or changed types, and stale signatures are made again; the SOA serial goes up (through the
// serial policy the caller passes) whenever anything served changes, and only then.
//
// The work: node-by-node on this thread, in slices of SLICE_MS between which queries are answered,
// while signatures are made in batches by a Signer (worker threads). Nothing here touches the
// disk, and the clock only to end slices.

import { readU32, u16, u32, u8, type Bytes } from '../dns/bytes.js';
import { RRType, typeToString } from '../dns/constants.js';
import { nameKey, nameToText, readName, type Name } from '../dns/name.js';
import { typeBitmapFromTypes } from '../dns/rdata/bitmap.js';
import { base32HexEncode } from '../dns/rdata/encoding.js';
import { hashRange, NodeTable } from '../zone/node-table.js';
import { NO_TYPE, NodeFlag, NsecRRset, PackedRRset, SignatureHeads, SignatureSet, SnapshotNode, type RRset, type ZoneNode, type ZoneSnapshot } from '../zone/snapshot.js';
import { nameEnd } from '../zone/build-support.js';
import { hasSignedData, isSignedType, provenTypes } from './authority.js';
import { nsec3OrderOf, nsecOrderOf, rememberOrder, updateNsecOrder, type Nsec3Order, type NsecOrder } from './chain-order.js';
import { canonicalLowerBound, compareCanonical } from '../dns/canonical-order.js';
import { adoptDenial, nsecChainOf } from './denial.js';
import { dsRdata, type AlgorithmName, type ZoneKey } from './keys.js';
import { nsec3HashBytes } from './nsec3-hash.js';
import { collectGarbage } from '../server/memory.js';
import { sortInSlices } from '../reload/slicer.js';
import { canonicalRRset, rrsigHead, rrsigLabels, sigAlgorithm, sigCovered, sigExpiration, sigInception, sigKeyTag } from './rrsig.js';
import { SIGNATURE_LENGTH, type Signer } from './sign-pool.js';

export interface SignPolicy {
  algorithm: AlgorithmName;
  nsec: 'nsec' | 'nsec3';
  /** Seconds from signing to expiration (before jitter). */
  signatureValidity: number;
  /** Seconds before expiration a signature is made again. */
  refresh: number;
}

export const DEFAULT_SIGN_POLICY: Readonly<SignPolicy> = { algorithm: 'ecdsap256sha256', nsec: 'nsec', signatureValidity: 14 * 86400, refresh: 7 * 86400 };

/** RFC 9276 §3.1: SHA-1, flags 0, no extra iterations, no salt. */
export const NSEC3PARAM_RDATA: Bytes = u8(1) + u8(0) + u16(0) + u8(0);

/** Signatures start an hour in the past: validators whose clocks lag still accept them. */
export const INCEPTION_OFFSET = 3600;

export interface SignInput {
  source: ZoneSnapshot;
  /**
   * True when no one else holds `source` (a fresh load): its nodes become the signed snapshot's.
   * False for a served snapshot: the nodes that change are copied.
   */
  sourceIsPrivate: boolean;
  previous?: ZoneSnapshot;
  key: ZoneKey;
  policy: SignPolicy;
  /** Seconds since 1970. */
  now: number;
  signer: Signer;
  /** The serial to serve after a change, from the source's serial and the previous served one. */
  serial(sourceSerial: number, previous: number | undefined): number;
  /** [0, 1) for the expiration jitter (Math.random by default). */
  random?: () => number;
  /**
   * Serve a new serial even if nothing would change: `previous` is behind what was served (a
   * signed copy older than the last signing, after a crash).
   */
  forceChange?: boolean;
}

export interface SignResult {
  snapshot: ZoneSnapshot;
  /** False when nothing would change: `snapshot` is `previous`. */
  changed: boolean;
  /** Signatures made, and kept from `previous`. */
  signed: number;
  kept: number;
  /** Seconds since 1970: the earliest expiration, and when the first signature is due again. */
  earliestExpiry: number;
  nextRefresh: number;
}

/** Node flags of a signed node are the source node's; the generated types are not source data. */
function isGenerated(type: number, apex: boolean): boolean {
  return type === RRType.RRSIG || type === RRType.NSEC || type === RRType.NSEC3
    || (apex && (type === RRType.DNSKEY || type === RRType.CDS || type === RRType.CDNSKEY || type === RRType.NSEC3PARAM));
}

/** The first DNSSEC record a zone file must not have when zonedns signs it, or undefined. */
export function dnssecRecordIn(zone: ZoneSnapshot): string | undefined {
  for (const node of zone.nodes.values()) {
    for (let s = node.firstSet; s !== undefined; s = s.next) {
      if (isGenerated(s.type, node === zone.apex)) return `${typeToString(s.type)} at ${nameToText(node.name)}`;
    }
  }
  return undefined;
}

/** True if the node holds records but all of them are ones a signer makes (an NSEC3 owner). */
function onlyGenerated(node: ZoneNode, apex: boolean): boolean {
  if (node.firstSet === undefined) return false;
  for (let s: RRset | undefined = node.firstSet; s !== undefined; s = (s as PackedRRset).next) if (!isGenerated(s.type, apex)) return false;
  return true;
}

function sameRdata(a: readonly Bytes[], b: readonly Bytes[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameSet(a: RRset | undefined, b: RRset): boolean {
  return a !== undefined && a.type === b.type && a.ttl === b.ttl && sameRdata(a.rdata, b.rdata);
}

/** The node's source data: its RRsets that a signer does not make, in order. */
function dataSets(node: ZoneNode, apex: boolean): PackedRRset[] {
  const out: PackedRRset[] = [];
  for (let s = node.firstSet; s !== undefined; s = s.next) if (!isGenerated(s.type, apex)) out.push(s);
  return out;
}

function findType(node: ZoneNode, type: number): PackedRRset | undefined {
  for (let s = node.firstSet; s !== undefined; s = s.next) if (s.type === type) return s;
  return undefined;
}

/** The RDATA of the node's (first) RRSIG over `covered`: from a SignatureSet or a loaded RRSIG set. */
function rrsigFor(node: ZoneNode, covered: number): Bytes | undefined {
  for (let s = node.firstSet; s !== undefined; s = s.next) {
    if (s.type !== RRType.RRSIG) continue;
    if (s instanceof SignatureSet) {
      for (let i = 0, n = s.size; i < n; i++) if (s.coveredAt(i) === covered) return s.rdataAt(i);
    } else if (sigCovered(s.first) === covered) {
      return s.first;
    }
  }
  return undefined;
}

/** An NSEC's next name and type bitmap (RFC 4034 §4.1). */
function nsecParts(set: PackedRRset): [Name, Bytes] {
  if (set instanceof NsecRRset) return [set.nextName, set.bitmap];
  const rdata = set.first;
  const end = nameEnd(rdata, 0);
  return [rdata.slice(0, end) as Name, rdata.slice(end)];
}

const HOUR = 3600;

/** True if the two nodes hold the same source data (same sets, same order, same TTLs and RDATA). */
function sameData(a: ZoneNode, b: ZoneNode, apex: boolean): boolean {
  let x = a.firstSet;
  let y = b.firstSet;
  for (;;) {
    while (x !== undefined && isGenerated(x.type, apex)) x = x.next;
    while (y !== undefined && isGenerated(y.type, apex)) y = y.next;
    if (x === undefined || y === undefined) return x === y;
    if (x.type !== y.type || x.ttl !== y.ttl) return false;
    const rx = x.r;
    const ry = y.r;
    if (rx !== ry && (typeof rx === 'string' || typeof ry === 'string' || !sameRdata(rx, ry))) return false;
    x = x.next;
    y = y.next;
  }
}

/** The NSEC3 owner name of a hash: base32hex label (lower case) under the apex. */
function nsec3Owner(hash: Bytes, originKey: Name): Name {
  const label = base32HexEncode(hash).toLowerCase();
  return (String.fromCharCode(label.length) + label + originKey) as Name;
}

/**
 * The parts as one sequential string. `a + b` of 13 octets or more is a V8 cons string (32 bytes,
 * holding both parts) that a reader later flattens into a third string; an NSEC's next name and
 * bitmap made so cost 56 bytes where one string costs 48 (560k NSECs in the 1M-record bench zone).
 * Array.prototype.join builds its result sequential.
 */
function flatConcat(...parts: Bytes[]): Bytes {
  return parts.join('');
}

/** The most one stretch of the job holds the thread that answers (ms), as sortInSlices (reload/slicer.ts). */
const SLICE_MS = 2;
/** Nodes between looks at the clock. */
const CLOCK_EVERY = 64;
/**
 * Signatures queued since the last collection of the young generation after which the next slice
 * end collects it before queries get their turn: a first signing's new RRsets all live on, and
 * left to V8 a young-generation GC copies up to 16 MiB of them in one pause (20-150 ms measured
 * on the 2-core machine while a 1M-record zone was made into objects). Not after every slice: that also promoted what was about to die (the batches in flight), and
 * the old generation grew with it (300k records: peak RSS 348 MiB, 264 MiB with this, 265 with
 * no collection at all). A re-sign's few signatures never reach it.
 */
const COLLECT_AFTER = 4096;
const BATCH = 512;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

class SignJob {
  private readonly src: ZoneSnapshot;
  private readonly prev: ZoneSnapshot | undefined;
  private readonly key: ZoneKey;
  private readonly originKey: Name;
  private readonly now: number;
  /** A signature is kept only if it stays valid past this time (seconds): now + refresh + pre-refresh. */
  private readonly keepUntil: number;
  private readonly validity: number;
  private readonly jitter: number;
  private readonly refresh: number;
  private readonly random: () => number;
  private readonly nsecTtl: number;
  private readonly table: NodeTable<ZoneNode>;
  /** The table is the source's (see the constructor): nodes are counted, not added. */
  private readonly sharedTable: boolean;
  private changed: boolean;
  signed = 0;
  kept = 0;
  earliestExpiry = Infinity;
  /**
   * What the next batch signs (see Signer), refilled after each: no object per item and no array
   * per batch. Transients such as these, when V8 happened to allocate their kind straight in the
   * old generation, kept every item's strings alive through young-generation GCs into the old
   * one (1M-record bench zone: ~600 MiB more promoted, peak RSS 840-1040 MiB in some runs).
   */
  private readonly batch: Bytes[] = [];
  private batchSets: SignatureSet[] = [];
  /** The head number of each signature in the batch. */
  private batchHeads: number[] = [];
  /** This job's signature heads (SignatureSet), and its NSEC type bitmaps, each kept once. */
  private readonly heads = new SignatureHeads(SIGNATURE_LENGTH);
  private readonly bitmaps = new Map<Bytes, Bytes>();
  /** Where fill() puts a block together. */
  private scratch = Buffer.allocUnsafe(4096);
  private readonly inflight: Array<Promise<void>> = [];
  private readonly maxInflight: number;
  private failure: Error | undefined;
  private sinceClock = 0;
  /** performance.now() at which the current slice ends. */
  private sliceEnd = performance.now() + SLICE_MS;
  /** `signed` when the young generation was last collected. */
  private signedAtCollect = 0;
  /** The apex SOA's RRSIG set, filled last (see run). */
  private soaSig: { set: SignatureSet; kept: Bytes | undefined } | undefined;
  /** NSEC re-sign: previous chain member -> its new version, where it is not the same node. */
  private readonly replaced = new Map<ZoneNode, ZoneNode>();
  /** NSEC re-sign: the chain has the previous one's names, in its order. */
  private sameNames = false;
  /** NSEC, sorted whole: the signed members in chain order (the answer side's chain, as is). */
  private chainNodes: ZoneNode[] | undefined;
  /** Records in the nodes added so far. */
  private records = 0;
  /** The chain order of the result, kept beside it for the next re-sign. */
  order: NsecOrder | Nsec3Order | undefined;

  constructor(private readonly input: SignInput) {
    this.src = input.source;
    this.prev = input.previous;
    this.key = input.key;
    this.originKey = input.source.originKey;
    this.now = Math.floor(input.now);
    const { signatureValidity, refresh } = input.policy;
    this.validity = signatureValidity;
    this.refresh = refresh;
    // Knot's pre-refresh: signatures due within this much more are made again with the ones due
    // now, so refreshes come in batches rather than one every few seconds.
    const preRefresh = Math.floor(signatureValidity * 0.005);
    this.keepUntil = this.now + refresh + preRefresh;
    // New expirations spread over the first half of the time between refresh and validity, so
    // they do not all come due at once (and a new signature is never due at once).
    this.jitter = Math.max(0, Math.floor((signatureValidity - refresh) / 2));
    this.random = input.random ?? Math.random;
    this.nsecTtl = input.source.negativeTtl;
    // A first NSEC signing of a private source without DNSSEC records signs every node in place
    // (base() returns it) and adds no node: the signed snapshot's table would map the same names
    // to the same nodes, so it is the source's table (1M-record bench zone: 624,775 nodes, a
    // second table of ~9 MiB). It iterates in zone-file order; AXFR and the NSEC chain keep
    // their own canonical order.
    const src = input.source;
    this.sharedTable = input.sourceIsPrivate && input.previous === undefined && input.policy.nsec === 'nsec'
      && src.nodes instanceof NodeTable && dnssecRecordIn(src) === undefined;
    this.table = this.sharedTable ? (src.nodes as NodeTable<ZoneNode>) : new NodeTable<ZoneNode>(src.nodes.size + (input.policy.nsec === 'nsec3' ? src.nodes.size : 0));
    this.changed = input.previous === undefined || input.forceChange === true;
    this.maxInflight = 8;
  }

  /** True if a signature in `prev` may stay: by this key, valid now, not due for refresh. */
  private fresh(rdata: Bytes): boolean {
    return sigKeyTag(rdata) === this.key.tag && sigAlgorithm(rdata) === this.key.algorithm
      && sigInception(rdata) <= this.now && sigExpiration(rdata) > this.keepUntil;
  }

  /** True if every RRSIG of the node may stay (and notes their expirations). */
  private allFresh(node: ZoneNode): boolean {
    for (let s = node.firstSet; s !== undefined; s = s.next) {
      if (s.type !== RRType.RRSIG) continue;
      if (s instanceof SignatureSet) {
        for (let i = 0, n = s.size; i < n; i++) if (!this.fresh(s.headAt(i))) return false;
        continue;
      }
      const r = s.r;
      if (typeof r !== 'string' || !this.fresh(r)) return false;
    }
    for (let s = node.firstSet; s !== undefined; s = s.next) {
      if (s.type !== RRType.RRSIG) continue;
      if (s instanceof SignatureSet) {
        for (let i = 0, n = s.size; i < n; i++) {
          this.kept++;
          this.noteExpiry(sigExpiration(s.headAt(i)));
        }
        continue;
      }
      this.kept++;
      this.noteExpiry(sigExpiration(s.first));
    }
    return true;
  }

  private noteExpiry(expiration: number): void {
    if (expiration < this.earliestExpiry) this.earliestExpiry = expiration;
  }

  /**
   * The signature over `covered` for `sigs`: the previous one if it may stay (returned, as an
   * entry of `sigs.block`), else a new one, queued (appended to the block when made).
   */
  private signInto(sigs: SignatureSet, covered: RRset, previousSet: RRset | undefined, old: Bytes | undefined): Bytes | undefined {
    if (old !== undefined && previousSet !== undefined && sameSet(previousSet, covered) && this.fresh(old)) {
      this.kept++;
      this.noteExpiry(sigExpiration(old));
      // One flat string: a concatenation would hold on to the whole previous RDATA.
      const headEnd = nameEnd(old, 18);
      return flatConcat(u32(this.heads.id(old.slice(0, headEnd))), old.slice(headEnd));
    }
    this.queue(sigs, covered);
    this.changed = true;
    return undefined;
  }

  /** Queues `covered` for a new signature, to be appended to `sigs.block`. */
  private queue(sigs: SignatureSet, covered: RRset): void {
    // The jitter in whole hours (when there are two or more): signatures made together then share
    // their heads (SignatureHeads), and expirations still spread over the jitter.
    const step = this.jitter >= 2 * HOUR ? HOUR : 1;
    const expiration = this.now + this.validity - step * Math.floor(this.random() * Math.floor(this.jitter / step));
    const head = rrsigHead({
      covered: covered.type, algorithm: this.key.algorithm, labels: rrsigLabels(covered.owner), originalTtl: covered.ttl,
      expiration, inception: this.now - INCEPTION_OFFSET, keyTag: this.key.tag, signer: this.originKey,
    });
    this.batch.push(head + canonicalRRset(covered, this.src.class));
    this.batchSets.push(sigs);
    this.batchHeads.push(this.heads.id(head));
    this.signed++;
    this.noteExpiry(expiration);
  }

  /** Sends the batch to the signer; waits while too many batches are out. */
  private async flush(): Promise<void> {
    if (this.batch.length > 0) {
      const sets = this.batchSets;
      const ids = this.batchHeads;
      const done = this.input.signer.sign(this.key, this.batch).then((signatures) => {
        this.fill(sets, ids, signatures);
        this.input.signer.release?.(signatures);
      }).catch((e: Error) => {
        this.failure ??= e;
      });
      this.inflight.push(done);
      this.batch.length = 0;
      this.batchSets = [];
      this.batchHeads = [];
    }
    while (this.inflight.length >= this.maxInflight) await this.inflight.shift();
  }

  /**
   * Appends a batch's signatures (back to back in `signatures`) to their sets' blocks. A node's
   * signatures are queued one after the other, so all of them but a batch's last node's come in
   * one batch, and its block is made once, here, straight from the buffer: a string per signature
   * on the way (1M-record bench zone: 1.3M) was promoted and died in the old generation, ~75 MiB
   * of the signing's peak.
   */
  private fill(sets: readonly SignatureSet[], ids: readonly number[], signatures: Buffer): void {
    if (signatures.length !== sets.length * SIGNATURE_LENGTH) throw new Error(`${signatures.length} octets of signatures for ${sets.length}`);
    for (let i = 0; i < sets.length;) {
      const set = sets[i]!;
      let end = i;
      while (end < sets.length && sets[end] === set) end++;
      const entry = 4 + SIGNATURE_LENGTH;
      const need = set.block.length + (end - i) * entry;
      if (this.scratch.length < need) this.scratch = Buffer.allocUnsafe(need * 2);
      const out = this.scratch;
      let pos = out.write(set.block, 0, 'latin1');
      for (; i < end; i++) {
        pos = out.writeUInt32BE(ids[i]!, pos);
        pos += signatures.copy(out, pos, i * SIGNATURE_LENGTH, (i + 1) * SIGNATURE_LENGTH);
      }
      set.block = out.toString('latin1', 0, pos);
    }
  }

  /**
   * Between nodes: true when a full batch is to be shipped or the slice is over (then `await
   * this.step()`). Asked first because an await per node, most of which have nothing to wait
   * for, cost a third of a one-record re-sign of the 100k-record zone (60 of 190 ms).
   */
  private due(): boolean {
    if (this.batch.length >= BATCH) return true;
    if (++this.sinceClock < CLOCK_EVERY) return false;
    this.sinceClock = 0;
    return performance.now() >= this.sliceEnd;
  }

  /** Lets queries in (and collects what the slice made); the next slice starts. */
  private async pause(): Promise<void> {
    if (this.signed - this.signedAtCollect >= COLLECT_AFTER) {
      collectGarbage('minor');
      this.signedAtCollect = this.signed;
    }
    await yieldToEventLoop();
    this.sliceEnd = performance.now() + SLICE_MS;
  }

  /** Ships a full batch; at the end of a slice, lets queries in (and collects what the slice made). */
  private async step(): Promise<void> {
    if (this.batch.length >= BATCH && this.inflight.length + 1 >= this.maxInflight) {
      // The signers are behind: waiting for them lets queries in too.
      await this.flush();
      this.sliceEnd = performance.now() + SLICE_MS;
      return;
    }
    if (this.batch.length >= BATCH) await this.flush();
    if (performance.now() >= this.sliceEnd) await this.pause();
  }

  /** A node for the signed snapshot holding `node`'s source data: `node` itself when private, else a copy. */
  private base(node: ZoneNode, apex: boolean): SnapshotNode {
    const sets = dataSets(node, apex);
    if (this.input.sourceIsPrivate && sets.length > 0 && sets[0] === node.firstSet && sets.length === countSets(node)) {
      // The source holds no generated records (the caller checked): cut nothing, append after the last.
      return node as SnapshotNode;
    }
    const copy = new SnapshotNode(node.name, node.flags);
    let tail: PackedRRset | undefined;
    for (const s of sets) {
      if (tail === undefined) {
        copy.type = s.type;
        copy.ttl = s.ttl;
        copy.r = s.r;
        tail = copy;
      } else {
        tail = tail.next = new PackedRRset(s.owner, s.type, s.ttl, s.r);
      }
    }
    return copy;
  }

  private add(node: ZoneNode): void {
    const name = node.name;
    if (!this.sharedTable) this.table.add(hashRange(name, 0, name.length, 0), node);
    for (let s = node.firstSet; s !== undefined; s = s.next) {
      // This job's signature sets are counted when made (signNode): their signatures are still to come.
      if (!(s instanceof SignatureSet && s.heads === this.heads)) this.records += s.size;
    }
  }

  /**
   * The signed version of a chain member or of the apex (`apex`: already a node of ours, with the
   * generated `extra` sets to add): its data, an RRSIG per signed set, and (`nsec`) its NSEC with
   * its RRSIG. The previous node itself when nothing of it changes.
   */
  private signNode(node: ZoneNode, previous: ZoneNode | undefined, nsec: [Name, Bytes] | undefined, apex: boolean, extra: PackedRRset[] = [], same?: boolean): ZoneNode {
    if (!apex && previous !== undefined && (same ?? (previous.flags === node.flags && sameData(node, previous, false)))) {
      const oldNsec = findType(previous, RRType.NSEC);
      let nsecStays = nsec === undefined ? oldNsec === undefined : oldNsec !== undefined;
      if (nsecStays && nsec !== undefined) {
        const [next, bitmap] = nsecParts(oldNsec!);
        nsecStays = next === nsec[0] && bitmap === nsec[1];
      }
      if (nsecStays && this.allFresh(previous)) return previous;
    }
    if (!apex) this.changed = true;
    const out = apex ? (node as SnapshotNode) : this.base(node, false);
    // An empty non-terminal (NSEC3 zones prove it with the NSEC3 of its hash): nothing to sign.
    if (out.type === NO_TYPE) return out;
    let tail: PackedRRset = out;
    while (tail.next !== undefined) tail = tail.next;
    for (const e of extra) tail = tail.next = e;
    tail.next = undefined;
    const sigs = new SignatureSet(out.name, this.heads, '');
    const signed = this.signed;
    const kept: Bytes[] = [];
    for (let s: PackedRRset | undefined = out; s !== undefined; s = s.next) {
      if (!isSignedType(out, s.type)) continue;
      const oldSet = previous && findType(previous, s.type);
      const oldSig = previous && rrsigFor(previous, s.type);
      if (apex && s.type === RRType.SOA) {
        // Signed last, once the serial is known (run()); until then the previous signature, if it may stay.
        const soaKept = oldSig !== undefined && sameSet(oldSet, s) && this.fresh(oldSig) ? oldSig : undefined;
        if (soaKept === undefined) this.changed = true;
        this.soaSig = { set: sigs, kept: soaKept };
        this.records++;
        continue;
      }
      const entry = this.signInto(sigs, s, oldSet, oldSig);
      if (entry !== undefined) kept.push(entry);
    }
    if (nsec !== undefined) {
      const set = new NsecRRset(out.name, this.nsecTtl, nsec[0], nsec[1]) as unknown as PackedRRset;
      tail = tail.next = set;
      const entry = this.signInto(sigs, set, previous && findType(previous, RRType.NSEC), previous && rrsigFor(previous, RRType.NSEC));
      if (entry !== undefined) kept.push(entry);
    }
    this.endChain(tail, sigs, kept, this.signed - signed);
    return out;
  }

  /**
   * Ends the chain at `tail` with the node's signatures (`kept` entries, `queued` more to come;
   * none: no link). The records are counted here, as add() does not see signatures still to come.
   */
  private endChain(tail: PackedRRset, sigs: SignatureSet, kept: Bytes[], queued: number): void {
    sigs.block = kept.join('');
    const n = kept.length + queued;
    this.records += n;
    if (n === 0 && this.soaSig?.set !== sigs) {
      tail.next = undefined;
      return;
    }
    tail.next = sigs as unknown as PackedRRset;
    sigs.next = undefined;
  }

  /** The generated apex RRsets: DNSKEY, CDS, CDNSKEY (SOA TTL) and NSEC3PARAM (TTL 0, as BIND). */
  private apexExtras(owner: Name, soaTtl: number): PackedRRset[] {
    const { dnskey } = this.key;
    const out = [
      new PackedRRset(owner, RRType.DNSKEY, soaTtl, dnskey),
      new PackedRRset(owner, RRType.CDS, soaTtl, dsRdata(this.originKey, dnskey, 2)),
      new PackedRRset(owner, RRType.CDNSKEY, soaTtl, dnskey),
    ];
    if (this.input.policy.nsec === 'nsec3') out.push(new PackedRRset(owner, RRType.NSEC3PARAM, 0, NSEC3PARAM_RDATA));
    return out;
  }

  /** The type bitmap, one string per distinct bitmap in this job. */
  private bitmap(bitmap: Bytes): Bytes {
    const known = this.bitmaps.get(bitmap);
    if (known !== undefined) return known;
    this.bitmaps.set(bitmap, bitmap);
    return bitmap;
  }

  /** Types the NSEC / NSEC3 of a member lists besides RRSIG, NSEC (apex: with the generated ones). */
  private typesOf(node: ZoneNode, apex: boolean): number[] {
    if (!apex) return provenTypes(node);
    const types = new Set(provenTypes(node));
    for (const t of [RRType.DNSKEY, RRType.CDS, RRType.CDNSKEY]) types.add(t);
    if (this.input.policy.nsec === 'nsec3') types.add(RRType.NSEC3PARAM);
    return [...types].sort((a, b) => a - b);
  }

  /** True if the node takes part in the chain: authoritative, and (NSEC) holding data. */
  private isMember(node: ZoneNode, apex: boolean): boolean {
    if (node.flags & NodeFlag.OCCLUDED) return false;
    // An empty non-terminal is in an NSEC3 chain (RFC 5155 §7.1), not in an NSEC one; a node of
    // generated records only (an NSEC3 owner) is in neither.
    if (node.firstSet === undefined) return this.input.policy.nsec === 'nsec3';
    return !onlyGenerated(node, apex);
  }

  async run(): Promise<SignResult> {
    const { src, prev } = this;
    // The apex SOA carries the previous served serial until we know whether anything changed.
    const srcSoa = findType(src.apex, RRType.SOA)!;
    const sourceSerial = readSoaSerial(srcSoa.first);
    const apexBase = this.base(src.apex, true);
    const soa = findType(apexBase, RRType.SOA)!;
    soa.r = withSerial(soa.first, prev?.serial ?? sourceSerial);
    const extras = this.apexExtras(apexBase.name, soa.ttl);
    // An apex RRset that went away leaves no signature to notice it by.
    if (prev !== undefined && !sameData(apexBase, prev.apex, true)) this.changed = true;
    const apex = this.input.policy.nsec === 'nsec3' ? await this.signNsec3Zone(apexBase, extras) : await this.signNsecZone(apexBase, extras);
    const soaSig = this.soaSig!;

    if (prev !== undefined && !this.changed && this.table.size === prev.nodes.size) {
      // Nothing served changes: keep serving the previous snapshot (same serial, no journal entry).
      await this.drain();
      this.kept++;
      this.noteExpiry(sigExpiration(soaSig.kept!));
      return this.result(prev, false);
    }
    // Something changed: the SOA gets its new serial and a new signature, last.
    const serial = this.input.serial(sourceSerial, prev?.serial) >>> 0;
    soa.r = withSerial(soa.first, serial);
    this.queue(soaSig.set, soa);
    await this.drain();
    return this.result(this.finish(apex as SnapshotNode, soa, serial), true);
  }

  private async drain(): Promise<void> {
    await this.flush();
    await Promise.all(this.inflight);
    this.inflight.length = 0;
    if (this.failure !== undefined) throw this.failure;
  }

  private result(snapshot: ZoneSnapshot, changed: boolean): SignResult {
    const earliestExpiry = this.earliestExpiry === Infinity ? this.now + this.validity : this.earliestExpiry;
    return { snapshot, changed, signed: this.signed, kept: this.kept, earliestExpiry, nextRefresh: earliestExpiry - this.refresh };
  }

  private finish(apex: SnapshotNode, soa: PackedRRset, serial: number): ZoneSnapshot {
    const src = this.src;
    return Object.freeze({
      origin: src.origin, originKey: src.originKey, class: src.class, serial, soa, negativeTtl: src.negativeTtl,
      apex, nodes: this.table, recordCount: this.records, files: src.files, hasCutsOrDnames: src.hasCutsOrDnames,
    } satisfies ZoneSnapshot);
  }

  /**
   * Hands the chain, in the order made here, to the answer side (denial.ts): installing the
   * snapshot then sorts nothing on the thread that answers. The NSEC order's names become nodes
   * here, a few thousand at a time like the rest of the job.
   */
  async adoptDenial(snapshot: ZoneSnapshot): Promise<void> {
    const order = this.order!;
    if (order.kind === 'nsec3') {
      // RFC 9276's parameters (NSEC3PARAM_RDATA): no salt, no extra iterations.
      adoptDenial(snapshot, { kind: 'nsec3', salt: '', iterations: 0, hashes: order.hashes, nodes: order.nodes });
      return;
    }
    const previous = this.sameNames ? nsecChainOf(this.prev!) : undefined;
    let nodes: ZoneNode[];
    if (this.chainNodes !== undefined) {
      nodes = this.chainNodes;
      this.chainNodes = undefined;
    } else if (previous !== undefined && previous.length === order.keys.length) {
      // The same names (an edit of records, not of names): the previous chain, changed nodes swapped.
      nodes = previous.map((node) => this.replaced.get(node) ?? node);
    } else {
      nodes = new Array(order.keys.length);
      for (let i = 0; i < nodes.length; i++) {
        nodes[i] = snapshot.nodes.get(order.keys[i]!)!;
        if (this.due()) await this.step();
      }
    }
    this.replaced.clear();
    adoptDenial(snapshot, { kind: 'nsec', nodes });
  }

  /** Nodes outside the chain (below cuts; NSEC: empty non-terminals): as they are, no DNSSEC records. */
  private addOutsider(node: ZoneNode): void {
    const previous = this.prev?.nodes.get(nameKey(node.name));
    if (previous !== undefined && previous.flags === node.flags && sameData(node, previous, false) && !hasGenerated(previous)) {
      this.add(previous);
      return;
    }
    this.changed = true;
    this.add(this.input.sourceIsPrivate ? node : this.base(node, false));
  }

  /**
   * NSEC: every member's NSEC names the next member in canonical order (RFC 4034 §4.1.1). A first
   * signing sorts the members; a re-sign updates the previous order with the names that came and
   * went, and only their predecessors (and names whose types changed) get a new NSEC: the others
   * keep theirs, found without looking the next name up.
   */
  private async signNsecZone(apexBase: SnapshotNode, extras: PackedRRset[]): Promise<ZoneNode> {
    const { src, prev, originKey } = this;
    const suffix = originKey.length;
    const previousOrder = prev === undefined ? [] : nsecOrderOf(prev);
    // The members in the source's order, with their previous versions; the outsiders as they come.
    let members: ZoneNode[] = [];
    const befores: Array<ZoneNode | undefined> = [];
    const added: Name[] = [];
    let stayed = 0;
    for (const node of src.nodes.values()) {
      const isApex = node === src.apex;
      if (!this.isMember(node, isApex)) {
        if (!onlyGenerated(node, false)) this.addOutsider(node);
        if (this.due()) await this.step();
        continue;
      }
      const before = isApex ? prev?.apex : prev?.nodes.get(nameKey(node.name));
      members.push(isApex ? apexBase : node);
      // A first signing has nothing to compare with and sorts every member once: no lists of
      // previous versions and added names (560k entries each in the 1M-record bench zone).
      if (prev === undefined) continue;
      befores[members.length - 1] = before;
      if (previousOrder.length > 0 && before !== undefined && findType(before, RRType.NSEC) !== undefined) stayed++;
      else added.push(nameKey(node.name));
    }

    let apex: ZoneNode = apexBase;
    const signMember = (i: number, next: Name | undefined): void => {
      const node = members[i]!;
      const previous = befores[i];
      const isApex = node === apexBase;
      // An unchanged name keeps its types: its previous NSEC stays when its next name does
      // (`next` undefined: it does), else it gets the new next name with the same bitmap.
      const same = !isApex && previous !== undefined && previous.flags === node.flags && sameData(node, previous, false);
      const oldSet = previous === undefined ? undefined : findType(previous, RRType.NSEC);
      const oldNsec = oldSet === undefined ? undefined : nsecParts(oldSet);
      let nsec: [Name, Bytes];
      if (same && oldNsec !== undefined) {
        nsec = [next ?? oldNsec[0], this.bitmap(oldNsec[1])];
      } else {
        const types = this.typesOf(node, isApex);
        types.push(RRType.RRSIG, RRType.NSEC);
        nsec = [next ?? oldNsec![0], this.bitmap(typeBitmapFromTypes(types))];
      }
      const signed = isApex ? this.signNode(node, previous, nsec, true, extras) : this.signNode(node, previous, nsec, false, undefined, same);
      if (isApex) apex = signed;
      members[i] = signed;
      this.add(signed);
      if (previous !== undefined && signed !== previous) this.replaced.set(previous, signed);
    };

    if (previousOrder.length === 0 || added.length * 4 > members.length) {
      // Sorted once; each member's next is the one after it.
      // A comparator that allocates nothing, not sort keys: the keys of 560k names (1M-record
      // bench zone) were ~70 MB that died in the old generation just before the signatures
      // grew the heap, and no full GC came to reclaim them before the signing's peak.
      // A first signing keeps no previous versions beside the members: the members themselves
      // are sorted, and each place then takes its signed node, which makes the chain the answer
      // side needs (adoptDenial) without an array of indices (5 MB in the 1M-record bench zone)
      // and without looking 625k keys up again afterwards.
      let byIndex: number[] | undefined;
      if (prev === undefined) members = await sortInSlices(members, (a, b) => compareCanonical(a.name, b.name), () => this.pause());
      else byIndex = await sortInSlices(members.map((_, i) => i), (a, b) => compareCanonical(members[a]!.name, members[b]!.name), () => this.pause());
      const at = (j: number): number => (byIndex === undefined ? j : byIndex[j]!);
      // The keys as the members are signed: all at once they took 465 ms (a walk over 625k
      // nodes in canonical, not memory, order).
      const n = members.length;
      const order: Name[] = new Array<Name>(n);
      const keyAt = (j: number): Name => (order[j] ??= nameKey(members[at(j)]!.name));
      for (let j = 0; j < n; j++) {
        keyAt(j);
        signMember(at(j), keyAt(j + 1 === n ? 0 : j + 1));
        if (this.due()) await this.step();
      }
      this.order = { kind: 'nsec', keys: order };
      if (byIndex === undefined) this.chainNodes = members;
      return apex;
    }

    // The previous order, without the names that left, with the ones that came.
    const isMemberKey = (key: Name): boolean => {
      const node = src.nodes.get(key);
      return node !== undefined && this.isMember(node, node === src.apex);
    };
    const stays = stayed === previousOrder.length ? undefined : isMemberKey;
    const { order, gone } = await updateNsecOrder(previousOrder, stays, added, suffix, () => performance.now() >= this.sliceEnd, () => this.pause());
    this.sameNames = stays === undefined && added.length === 0;
    this.order = { kind: 'nsec', keys: order };
    // Whose next name changes: each added name (its own NSEC is new) and the member before it,
    // and the member before each name that left.
    const nexts = new Map<Name, Name>();
    const nextAt = (key: Name): void => {
      const at = canonicalLowerBound(order, key, suffix);
      const before = order[at === 0 ? order.length - 1 : at - 1]!;
      nexts.set(key, order[at + 1 === order.length ? 0 : at + 1]!);
      nexts.set(before, key);
    };
    for (const key of added) nextAt(key);
    for (let g = 0; g < gone.length; g++) {
      // The nearest member before it that stays now points past it.
      let j = gone[g]! - 1;
      for (let h = g - 1; h >= 0 && gone[h] === j; h--) j--;
      const before = j >= 0 ? previousOrder[j]! : order[order.length - 1]!;
      const at = canonicalLowerBound(order, before, suffix);
      nexts.set(before, order[at + 1 === order.length ? 0 : at + 1]!);
    }
    for (let i = 0; i < members.length; i++) {
      signMember(i, nexts.get(nameKey(members[i]!.name)));
      if (this.due()) await this.step();
    }
    return apex;
  }

  private async signNsec3Zone(apexBase: SnapshotNode, extras: PackedRRset[]): Promise<ZoneNode> {
    const { src, prev, originKey } = this;
    const previousChain = prev === undefined ? { hashes: [], nodes: [] } : nsec3OrderOf(prev, NSEC3PARAM_RDATA);
    const previousMembers = previousChain.hashes.length;
    /** Hashes of names that came or whose types changed, with the types their NSEC3 lists. */
    const changedTypes = new Map<Bytes, number[]>();
    let added: Bytes[] = [];
    let stayed = 0;
    let apex: ZoneNode = apexBase;
    const types3 = (node: ZoneNode, isApex: boolean): number[] => {
      const types = this.typesOf(node, isApex);
      // RFC 5155 §3.2.1: RRSIG is listed when the name has signed data (not at an unsigned cut).
      if (isApex || hasSignedData(node, types)) types.push(RRType.RRSIG);
      return types.sort((a, b) => a - b);
    };
    for (const node of src.nodes.values()) {
      const isApex = node === src.apex;
      if (!this.isMember(node, isApex)) {
        if (!onlyGenerated(node, false)) this.addOutsider(node);
        if (this.due()) await this.step();
        continue;
      }
      const key = nameKey(node.name);
      const previous = isApex ? prev?.apex : prev?.nodes.get(key);
      const wasMember = previousMembers > 0 && previous !== undefined && !(previous.flags & NodeFlag.OCCLUDED) && !onlyGenerated(previous, isApex);
      if (wasMember) stayed++;
      const sameTypes = wasMember && previous!.flags === node.flags && sameData(node, previous!, isApex);
      if (!sameTypes) {
        const types = types3(node, isApex);
        const hash = nsec3HashBytes(node.name, '', 0);
        if (!wasMember) added.push(hash);
        else if (!sameNumbers(types, types3(previous!, isApex))) changedTypes.set(hash, types);
        if (!wasMember) changedTypes.set(hash, types);
      }
      const signed = isApex ? this.signNode(apexBase, previous, undefined, true, extras) : this.signNode(node, previous, undefined, false);
      if (isApex) apex = signed;
      this.add(signed);
      if (this.due()) await this.step();
    }
    // Names that left the chain: their hashes, found among the previous members.
    const removed = new Set<Bytes>();
    if (stayed !== previousMembers && prev !== undefined) {
      for (const node of prev.nodes.values()) {
        if (this.due()) await this.step();
        const isApex = node === prev.apex;
        if ((node.flags & NodeFlag.OCCLUDED) || onlyGenerated(node, isApex)) continue;
        const now = src.nodes.get(nameKey(node.name));
        if (now === undefined || !this.isMember(now, now === src.apex)) removed.add(nsec3HashBytes(node.name, '', 0));
      }
    }
    // The new chain: previous hashes without the removed, merged with the added (both sorted).
    added = await sortInSlices(added, (a, b) => (a < b ? -1 : a > b ? 1 : 0), () => this.pause());
    const hashes: Bytes[] = [];
    const olds: Array<ZoneNode | undefined> = [];
    let j = 0;
    const prevHashes = previousChain.hashes;
    for (let i = 0; i < prevHashes.length; i++) {
      const h = prevHashes[i]!;
      while (j < added.length && added[j]! < h) {
        hashes.push(added[j++]!);
        olds.push(undefined);
      }
      if (removed.has(h)) continue;
      if (j < added.length && added[j] === h) j++; // came back under the same hash: one record
      hashes.push(h);
      olds.push(previousChain.nodes[i]);
    }
    while (j < added.length) {
      hashes.push(added[j++]!);
      olds.push(undefined);
    }
    const nodes: ZoneNode[] = new Array(hashes.length);
    for (let i = 0; i < hashes.length; i++) {
      const hash = hashes[i]!;
      const next = hashes[i + 1 === hashes.length ? 0 : i + 1]!;
      const old = olds[i];
      const oldRdata = old === undefined ? undefined : findType(old, RRType.NSEC3)!.first;
      const types = changedTypes.get(hash);
      // The previous record stays when its types and next hash stay and its signature may.
      if (oldRdata !== undefined && types === undefined && oldRdata.slice(6, 26) === next && this.allFresh(old!)) {
        nodes[i] = old!;
        this.add(old!);
        if (this.due()) await this.step();
        continue;
      }
      this.changed = true;
      const bitmap = types !== undefined ? typeBitmapFromTypes(types) : oldRdata!.slice(26);
      const rdata = flatConcat(NSEC3PARAM_RDATA + u8(20), next, bitmap);
      const owner = old?.name ?? nsec3Owner(hash, originKey);
      if (old === undefined && src.nodes.get(owner) !== undefined) throw new Error(`the NSEC3 owner ${base32HexEncode(hash)} of a name is also a name in the zone`);
      const node = new SnapshotNode(owner, NodeFlag.NSEC3_ONLY);
      node.type = RRType.NSEC3;
      node.ttl = this.nsecTtl;
      node.r = rdata;
      const oldSet = old === undefined ? undefined : findType(old, RRType.NSEC3);
      const sigs = new SignatureSet(owner, this.heads, '');
      const signed = this.signed;
      const entry = this.signInto(sigs, node, oldSet, old === undefined ? undefined : rrsigFor(old, RRType.NSEC3));
      this.endChain(node, sigs, entry === undefined ? [] : [entry], this.signed - signed);
      nodes[i] = node;
      this.add(node);
      if (this.due()) await this.step();
    }
    this.order = { kind: 'nsec3', params: NSEC3PARAM_RDATA, hashes, nodes };
    return apex;
  }
}

function hasGenerated(node: ZoneNode): boolean {
  for (let s = node.firstSet; s !== undefined; s = s.next) if (isGenerated(s.type, false)) return true;
  return false;
}

function countSets(node: ZoneNode): number {
  let n = 0;
  for (let s = node.firstSet; s !== undefined; s = s.next) n++;
  return n;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function readSoaSerial(rdata: Bytes): number {
  const [, afterMname] = readName(rdata, 0);
  const [, afterRname] = readName(rdata, afterMname);
  return readU32(rdata, afterRname);
}

function withSerial(rdata: Bytes, serial: number): Bytes {
  const [, afterMname] = readName(rdata, 0);
  const [, afterRname] = readName(rdata, afterMname);
  return rdata.slice(0, afterRname) + u32(serial) + rdata.slice(afterRname + 4);
}

/** Signs `input.source` (see the top of this file). */
export async function signZone(input: SignInput): Promise<SignResult> {
  const job = new SignJob(input);
  const result = await job.run();
  if (result.changed) {
    rememberOrder(result.snapshot, job.order!);
    await job.adoptDenial(result.snapshot);
  }
  return result;
}
