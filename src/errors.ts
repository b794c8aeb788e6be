// One catalog of coded errors. Every error zonedns reports to a person carries a stable code
// and, where it came from a file, the place (`file:line`) so editors can jump to it.

export const ErrorCode = {
  /** Zone file syntax: tokens, directives, quoting, parentheses. */
  ZONE_SYNTAX: 'ZONE_SYNTAX',
  /** RDATA that does not parse for its type (bad address, number out of range, ...). */
  ZONE_RDATA: 'ZONE_RDATA',
  /** Zone content rules (one SOA, CNAME and other data, out of zone, ...). */
  ZONE_SEMANTIC: 'ZONE_SEMANTIC',
  /** File system: missing file, unreadable, $INCLUDE loop or depth. */
  ZONE_IO: 'ZONE_IO',
  /** A domain name that is not valid (label > 63, name > 255, empty label). */
  BAD_NAME: 'BAD_NAME',
  /** Configuration and command-line problems. */
  CONFIG: 'CONFIG',
  /** Malformed DNS message (decoder); maps to FORMERR or a drop. */
  WIRE_FORMAT: 'WIRE_FORMAT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where in a zone file something came from. Column is 1-based when known. */
export interface SourcePos {
  file: string;
  line: number;
  column?: number;
}

export function formatPos(pos: SourcePos): string {
  return pos.column ? `${pos.file}:${pos.line}:${pos.column}` : `${pos.file}:${pos.line}`;
}

export class ZoneDnsError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ZoneDnsError';
    this.code = code;
  }
}

/** An error in a zone file. `message` is the bare reason; `toString()` is `file:line: reason`. */
export class ZoneError extends ZoneDnsError {
  readonly pos: SourcePos;
  readonly reason: string;
  constructor(code: ErrorCode, pos: SourcePos, reason: string) {
    super(code, `${formatPos(pos)}: ${reason}`);
    this.name = 'ZoneError';
    this.pos = pos;
    this.reason = reason;
  }
}

/** A domain name that breaks RFC 1035 limits; the loader rewraps it with file:line. */
export class NameError extends ZoneDnsError {
  constructor(message: string) {
    super(ErrorCode.BAD_NAME, message);
    this.name = 'NameError';
  }
}

/** A DNS message we cannot decode. `rcode` is what to answer (FORMERR) when the header was readable. */
export class WireFormatError extends ZoneDnsError {
  constructor(message: string) {
    super(ErrorCode.WIRE_FORMAT, message);
    this.name = 'WireFormatError';
  }
}

export class ConfigError extends ZoneDnsError {
  constructor(message: string) {
    super(ErrorCode.CONFIG, message);
    this.name = 'ConfigError';
  }
}
