// DNS message layout shared by the decoder and the writer (RFC 1035 §4.1).

/** RFC 1035 §4.1.1: the fixed header is 12 octets. */
export const HEADER_SIZE = 12;

/** Header flag bits in the 16-bit word at offset 2 (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD/CD). */
export const Flag = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  /** The one remaining Z bit: must be zero in responses. */
  Z: 0x0040,
  AD: 0x0020,
  CD: 0x0010,
} as const;

export const OPCODE_SHIFT = 11;
export const OPCODE_MASK = 0xf;
export const RCODE_MASK = 0xf;

/** Message sections that hold resource records, in wire order. */
export const Section = { ANSWER: 1, AUTHORITY: 2, ADDITIONAL: 3 } as const;
export type Section = (typeof Section)[keyof typeof Section];

/** RFC 6891 §6.1.3: the DO bit is the top bit of the OPT TTL's 16 flag bits (RFC 3225). */
export const EDNS_DO = 0x8000;

/** RFC 7873 §4: the COOKIE option code. */
export const EDNS_COOKIE = 10;

/** One EDNS option (RFC 6891 §6.1.2): code and raw data as a binary string. */
export interface EdnsOption {
  readonly code: number;
  readonly data: string;
}

/** Frozen so it can be shared by every message that carries no options. */
export const NO_OPTIONS: readonly EdnsOption[] = Object.freeze([]);
