// DNS parameters (IANA registries) used across zonedns. Numbers are the wire values.

// Mnemonics are those BIND 9.18 knows (it prints every other type as TYPEnnn, and so do we, so
// that `check --print` matches `named-checkzone -D`). UINFO, UID, GID and UNSPEC (reserved,
// RFC 6895) have names but no text form: `\#` data only, as in BIND.
export const RRType = {
  A: 1, NS: 2, MD: 3, MF: 4, CNAME: 5, SOA: 6, MB: 7, MG: 8, MR: 9, NULL: 10, WKS: 11, PTR: 12,
  HINFO: 13, MINFO: 14, MX: 15, TXT: 16, RP: 17, AFSDB: 18, X25: 19, ISDN: 20, RT: 21, NSAP: 22,
  'NSAP-PTR': 23, SIG: 24, KEY: 25, PX: 26, GPOS: 27, AAAA: 28, LOC: 29, NXT: 30, EID: 31, NIMLOC: 32,
  SRV: 33, ATMA: 34, NAPTR: 35, KX: 36, CERT: 37, A6: 38, DNAME: 39, SINK: 40, OPT: 41, APL: 42, DS: 43,
  SSHFP: 44, IPSECKEY: 45, RRSIG: 46, NSEC: 47, DNSKEY: 48, DHCID: 49, NSEC3: 50, NSEC3PARAM: 51,
  TLSA: 52, SMIMEA: 53, HIP: 55, NINFO: 56, RKEY: 57, TALINK: 58, CDS: 59, CDNSKEY: 60, OPENPGPKEY: 61,
  CSYNC: 62, ZONEMD: 63, SVCB: 64, HTTPS: 65, DSYNC: 66, HHIT: 67, BRID: 68, SPF: 99, UINFO: 100, UID: 101,
  GID: 102, UNSPEC: 103, NID: 104,
  L32: 105, L64: 106, LP: 107, EUI48: 108, EUI64: 109, TKEY: 249, TSIG: 250, IXFR: 251, AXFR: 252,
  MAILB: 253, MAILA: 254, ANY: 255, URI: 256, CAA: 257, AVC: 258, DOA: 259, AMTRELAY: 260, RESINFO: 261,
  WALLET: 262, TA: 32768, DLV: 32769,
} as const;
export type RRTypeName = keyof typeof RRType;

const typeNames = new Map<number, string>(Object.entries(RRType).map(([k, v]) => [v, k]));

/** Mnemonic for a type, or RFC 3597 `TYPEnnn`. */
export function typeToString(type: number): string {
  return typeNames.get(type) ?? `TYPE${type}`;
}

/** Type number from a mnemonic or `TYPEnnn` (case-insensitive); undefined if unknown. */
export function typeFromString(text: string): number | undefined {
  const upper = text.toUpperCase();
  const known = (RRType as Record<string, number>)[upper];
  if (known !== undefined) return known;
  const m = /^TYPE(\d{1,5})$/.exec(upper);
  if (m) {
    const n = Number(m[1]);
    if (n <= 0xffff) return n;
  }
  return undefined;
}

export const RRClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;
const classNames = new Map<number, string>(Object.entries(RRClass).map(([k, v]) => [v, k]));

export function classToString(cls: number): string {
  return classNames.get(cls) ?? `CLASS${cls}`;
}

/** Class number from a mnemonic or `CLASSnnn` (case-insensitive); undefined if not a class. */
export function classFromString(text: string): number | undefined {
  const upper = text.toUpperCase();
  if (upper === 'CS') return 2;
  const known = (RRClass as Record<string, number>)[upper];
  if (known !== undefined) return known;
  const m = /^CLASS(\d{1,5})$/.exec(upper);
  if (m) {
    const n = Number(m[1]);
    if (n <= 0xffff) return n;
  }
  return undefined;
}

export const Rcode = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7,
  NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10,
  /** Extended (needs OPT): RFC 6891. */
  BADVERS: 16,
  /** TSIG errors (RFC 8945), carried in the TSIG RR, not the header. */
  BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22, BADCOOKIE: 23,
} as const;

/**
 * Mnemonic of a message RCODE (the header's 4 bits with the OPT's upper 8, RFC 6891 §6.1.3), or
 * `RCODEnnn`. 16 is BADVERS here: in a message header it can only be that (BADSIG lives in TSIG).
 */
export function rcodeToString(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN',
  7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 16: 'BADVERS', 23: 'BADCOOKIE',
};

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

/** RFC 1035 §2.3.4 and RFC 2181 size limits. */
export const MAX_LABEL = 63;
export const MAX_NAME = 255;
/** RFC 2181 §8: TTLs are 31-bit; larger values are treated as 0 by receivers. */
export const MAX_TTL = 0x7fffffff;
