// Bounds on what one zone's input may cost: a zone file is often written by someone other than
// the operator (a generator, a customer, a repository), and a careless or hostile one must end in
// a clear `file:line` error naming the bound, never in a loader that runs for hours or takes the
// machine's memory. Each bound is a setting, server-wide (`zoneLimits` in the configuration) and
// per zone (`zones[i].zoneLimits`, field by field over the server's), with these defaults.
//
// BIND bounds none of these by default (`max-records` is 0 = unlimited); Knot has `zone-max-size`
// for transfers and updates. The defaults here let through every zone this server is built to
// serve (the 1M-record benchmark zone is 39 MB and 1M records) and stop the runaway ones early.

/** Where `$INCLUDE` may read from. */
export type IncludeWithin =
  /** Anywhere the server can read (BIND's behaviour). */
  | 'anywhere'
  /** Only files at or below the directory of the zone file. */
  | 'zone-directory'
  /** Only files at or below one of these directories (absolute paths). */
  | readonly string[];

export interface ZoneLimits {
  /** `$INCLUDE` directives followed in one zone, counted over all its files (not the depth). */
  readonly maxIncludes: number;
  /** Deepest `$INCLUDE` nesting. */
  readonly maxIncludeDepth: number;
  /** Records made by `$GENERATE`, all directives of the zone together. */
  readonly maxGenerateRecords: number;
  /** Records in the zone (as written, duplicates included). */
  readonly maxRecords: number;
  /** Octets read for the zone, the zone file and every included file together. */
  readonly maxZoneBytes: number;
  /** Octets of one entry (a record or directive, across parentheses), checked while reading. */
  readonly maxEntryBytes: number;
  readonly includeWithin: IncludeWithin;
}

export const DEFAULT_ZONE_LIMITS: ZoneLimits = Object.freeze({
  maxIncludes: 1024,
  maxIncludeDepth: 16,
  // Four full $GENERATE ranges (a /14 of reverse records): generated zones far bigger than that
  // are better written out.
  maxGenerateRecords: 262_144,
  maxRecords: 10_000_000,
  maxZoneBytes: 1 << 30,
  // The largest RDATA (65535 octets) written as \DDD escapes is about 262,000 characters.
  maxEntryBytes: 1 << 20,
  includeWithin: 'anywhere',
});

/** Setting names as written in the configuration, with their ranges. */
export const LIMIT_RANGES: Readonly<Record<Exclude<keyof ZoneLimits, 'includeWithin'>, readonly [min: number, max: number]>> = {
  maxIncludes: [0, 1_000_000],
  maxIncludeDepth: [0, 64],
  maxGenerateRecords: [0, 100_000_000],
  maxRecords: [1, 1_000_000_000],
  maxZoneBytes: [1, 2 ** 50],
  // The tokenizer's own bound (tokenizer.ts MAX_ENTRY_CHARS) is the most that can be allowed.
  maxEntryBytes: [1024, 1 << 20],
};

/** The defaults, then the server's settings, then the zone's, field by field. */
export function zoneLimits(...layers: ReadonlyArray<Partial<ZoneLimits> | undefined>): ZoneLimits {
  let out: ZoneLimits = DEFAULT_ZONE_LIMITS;
  for (const layer of layers) if (layer !== undefined) out = { ...out, ...definedOnly(layer) };
  return out;
}

function definedOnly(layer: Partial<ZoneLimits>): Partial<ZoneLimits> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(layer)) if (v !== undefined) out[k] = v;
  return out as Partial<ZoneLimits>;
}
