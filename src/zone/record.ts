// One resource record as the loader produced it, before it joins a snapshot. Binary fields are
// binary strings (see dns/bytes.ts) so a 1M-record zone stays small.

import type { Bytes } from '../dns/bytes.js';
import type { Name } from '../dns/name.js';
import type { ErrorCode } from '../errors.js';

export interface ZoneRecord {
  /** Owner, absolute, case as written. Interned: equal owners share one string. */
  owner: Name;
  type: number;
  class: number;
  ttl: number;
  /** Uncompressed wire RDATA. Names inside keep the case they were written in. */
  rdata: Bytes;
  /** Source file (the including file or an $INCLUDEd one) and 1-based line where the record starts. */
  file: string;
  line: number;
}

/**
 * Takes records as fields, one call each, with no object per record: the parser streams a big
 * zone into the snapshot builder this way (a ZoneRecord per record was 80 MB of garbage per
 * million records).
 */
export interface RecordSink {
  record(owner: Name, type: number, cls: number, ttl: number, rdata: Bytes, file: string, line: number): void;
}

/**
 * A record the parser refused, as far as it is known: the builder then leaves out what only its
 * absence would cause ("MX target has no address" when the target's A line was the bad one; "no
 * SOA" when the SOA line was). A missing field is not known (a broken owner, an unreadable
 * $INCLUDE): any record may be missing there.
 */
export interface DroppedRecord {
  owner?: Name;
  type?: number;
}

export type Severity = 'error' | 'warning';

/** A problem found while loading or validating a zone: `file:line: message`. */
export interface Diagnostic {
  severity: Severity;
  code: ErrorCode;
  file: string;
  line: number;
  column?: number;
  message: string;
}

/** A diagnostic's place as log fields (log.ts puts them in front of the message in text logs). */
export function diagnosticFields(d: Diagnostic): { file: string; line: number; column?: number } {
  return d.column ? { file: d.file, line: d.line, column: d.column } : { file: d.file, line: d.line };
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.column ? `${d.file}:${d.line}:${d.column}` : `${d.file}:${d.line}`;
  return `${where}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}
