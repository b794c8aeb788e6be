// The DO=1 additions to an answer (RFC 4035 §3.1, RFC 5155 §7.2, RFC 4592 §4, RFC 6672 §5.3.1):
// a pure function of the resolution (with the ProofFacts resolve collected) and the snapshots,
// called from the answer path only when the query has DO=1 and its zone is signed.
//
// - Every answer, authority and additional RRset gets the RRSIGs that cover its type, as a unit
//   the writer never splits (wire/writer.ts). A wildcard answer's RRSIGs take the query name as
//   owner; their labels field shows the expansion (RFC 4035 §5.3.4). The CNAME synthesized from a
//   DNAME has none (RFC 6672 §5.3.1). Glue below a cut has none to give.
// - Authority, after the SOA or the NS: the denial proof for the kind of answer, then the proof
//   that no closer name than each expanded wildcard exists (RFC 4035 §3.1.3.3, RFC 5155 §7.2.6).
// - Proof records are added once each, as Knot adds them (its KNOT_PF_CHECKDUP).
//
// The rules follow Knot's nsec_proofs.c (checked against a live knotd by the differential test):
// NXDOMAIN under NSEC is the NSEC covering the name and the one covering `*.<closest encloser>`;
// under NSEC3 the closest encloser proof plus the NSEC3 covering that wildcard. NODATA is the
// name's own NSEC (an empty non-terminal has none: the NSEC covering it), or its matching NSEC3
// (none, as for an empty non-terminal above opt-out delegations only: the closest encloser proof,
// which shows the opt-out span). A referral carries the DS and its RRSIGs, or the NODATA proof for
// DS at the cut (RFC 4035 §3.1.4; opt-out: RFC 5155 §7.2.7).

import { RRType } from '../dns/constants.js';
import { isWildcard, labelCount, wildcardOf, type Name } from '../dns/name.js';
import type { Resolution, ProofFacts, Sections } from '../query/resolve.js';
import { getRRset, type RRset, type ZoneNode, type ZoneSnapshot } from '../zone/snapshot.js';
import { denialOf, signaturesOf, type Denial } from './denial.js';

/** An RRset and the RRSIGs that cover it: one unit in a message. */
export interface SignedRRset {
  readonly set: RRset;
  readonly sigs: RRset | undefined;
}

export interface SignedSections {
  readonly answer: SignedRRset[];
  readonly authority: SignedRRset[];
  readonly additional: SignedRRset[];
  /** As Sections.requiredAdditional: the first additional units are required glue. */
  readonly requiredAdditional: number;
}

type Answered = Extract<Resolution, Sections>;

/**
 * The resolution with signatures and proofs, or undefined when the question's zone is not signed
 * (then a DO=1 answer is the DO=0 one: Knot's rule, the zone's SOA decides). `res` must come from
 * resolve(..., { dnssec: true }).
 */
export function signAnswer(res: Answered, questionZone: ZoneSnapshot): SignedSections | undefined {
  const facts = res.facts;
  if (facts === undefined || !denialOf(questionZone).signed) return undefined;
  const seen = new Set<RRset>(res.answer);
  const answer = res.answer.map((set, i) => signed(set, facts.answerNodes[i]));
  const authority: SignedRRset[] = [];
  const add = (node: ZoneNode | undefined, type: number): void => {
    const set = node === undefined ? undefined : getRRset(node, type);
    if (set === undefined || seen.has(set)) return;
    seen.add(set);
    authority.push({ set, sigs: signaturesOf(node!, type) });
  };
  const zone = facts.zone;
  const denial = denialOf(zone);
  switch (res.kind) {
    case 'nodata':
    case 'nxdomain':
      authority.push({ set: res.authority[0]!, sigs: denial.negativeSoaSigs });
      if (denial.signed) {
        if (res.kind === 'nxdomain') nameError(denial, facts, add);
        else noData(denial, facts.node!, facts.name, facts.closestEncloser, add);
      }
      break;
    case 'referral': {
      const cut = facts.node!;
      authority.push(signed(res.authority[0]!, cut));
      const ds = getRRset(cut, RRType.DS);
      if (ds !== undefined) authority.push({ set: ds, sigs: signaturesOf(cut, RRType.DS) });
      else if (denial.signed) noData(denial, cut, facts.name, undefined, add);
      break;
    }
    case 'answer':
    case 'yxdomain':
      break;
  }
  for (const w of facts.wildcards) {
    if (isWildcard(w.name)) continue; // asked for the wildcard itself: nothing was expanded
    const d = w.zone === zone ? denial : denialOf(w.zone);
    if (d.nsec3 !== undefined) {
      const cpe = d.nsec3.provableEncloser(w.encloser);
      if (cpe !== undefined) add(d.nsec3.covering(nextCloser(w.name, cpe.name)), RRType.NSEC3);
    } else if (d.nsec !== undefined) {
      add(d.nsec.atOrBefore(w.name), RRType.NSEC);
    }
  }
  const additional = res.additional.map((set, i) => signed(set, facts.additionalNodes[i]));
  return { answer, authority, additional, requiredAdditional: res.requiredAdditional };
}

/** `set` with the RRSIGs at `node` that cover it (owner rewritten for a wildcard expansion). */
function signed(set: RRset, node: ZoneNode | undefined): SignedRRset {
  if (node === undefined || set.type === RRType.RRSIG) return { set, sigs: undefined };
  const sigs = signaturesOf(node, set.type);
  if (sigs === undefined || set.owner === node.name) return { set, sigs };
  return { set, sigs: { owner: set.owner, type: RRType.RRSIG, ttl: sigs.ttl, rdata: sigs.rdata } };
}

type Add = (node: ZoneNode | undefined, type: number) => void;

/** RFC 4035 §3.1.3.2 / RFC 5155 §7.2.2: the name does not exist, nor does a wildcard for it. */
function nameError(d: Denial, facts: ProofFacts, add: Add): void {
  const closest = facts.closestEncloser!;
  if (d.nsec3 !== undefined) {
    const cpe = closestEncloserProof(d, facts.name, closest, add);
    if (cpe !== undefined) add(d.nsec3.coveringWildcard(cpe), RRType.NSEC3);
  } else if (d.nsec !== undefined) {
    add(d.nsec.atOrBefore(facts.name), RRType.NSEC);
    // The closest encloser may be an empty non-terminal: the NSEC covering its wildcard still is
    // the one before `*.<it>` in the chain (the Technitium#2110 case: not the wildcard's own).
    const star = wildcardName(closest.name);
    if (star !== undefined) add(d.nsec.atOrBefore(star), RRType.NSEC);
  }
}

/**
 * RFC 4035 §3.1.3.1, RFC 5155 §7.2.3-7.2.5: `node` has no RRset of the type. `closest` is given
 * when the node is a wildcard that answered for `name` (its parent, the closest encloser).
 */
function noData(d: Denial, node: ZoneNode, name: Name, closest: ZoneNode | undefined, add: Add): void {
  const expanded = closest !== undefined && isWildcard(node.name) && !isWildcard(name);
  if (d.nsec3 !== undefined) {
    const match = d.nsec3.matching(node);
    add(match, RRType.NSEC3);
    // Through a wildcard, or at a name without an NSEC3 of its own (opt-out, RFC 5155 §7.2.4;
    // nsd#510 left out the next closer name here): the closest encloser proof.
    if (expanded || match === undefined) closestEncloserProof(d, name, expanded ? closest : node, add);
  } else if (d.nsec !== undefined) {
    // An empty non-terminal has no NSEC: the one covering its name shows it has no data.
    add(node.firstSet === undefined ? d.nsec.atOrBefore(node.name) : node, RRType.NSEC);
  }
}

/**
 * RFC 5155 §7.2.1: the NSEC3 matching the closest provable encloser of `name` (starting the walk
 * at `from`) and the one covering the next closer name. Returns that encloser.
 */
function closestEncloserProof(d: Denial, name: Name, from: ZoneNode, add: Add): ZoneNode | undefined {
  const chain = d.nsec3!;
  const cpe = chain.provableEncloser(from);
  if (cpe === undefined) return undefined;
  add(chain.matching(cpe), RRType.NSEC3);
  if (labelCount(name) > labelCount(cpe.name)) add(chain.covering(nextCloser(name, cpe.name)), RRType.NSEC3);
  return cpe;
}

/** RFC 5155 §1.3: the ancestor of `name` one label longer than `encloser` (`name` is below it). */
export function nextCloser(name: Name, encloser: Name): Name {
  let strip = labelCount(name) - labelCount(encloser) - 1;
  let off = 0;
  for (; strip > 0; strip--) off += name.charCodeAt(off) + 1;
  return (off === 0 ? name : name.slice(off)) as Name;
}

/** `*.<name>`, or undefined when that would exceed 255 octets (then no such wildcard exists). */
function wildcardName(name: Name): Name | undefined {
  return name.length + 2 > 255 ? undefined : wildcardOf(name);
}
