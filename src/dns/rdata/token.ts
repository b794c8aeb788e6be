// The two types every RDATA codec shares with the zone loader: the field tokens it is given
// and the error it throws. Kept apart from index.ts so the per-type files can import them
// without an import cycle through the registry.

/**
 * One whitespace-separated field of a zone file record, after the type. `text` is exactly as
 * written between the delimiters, backslash escapes NOT processed (each field decodes them its
 * own way: names keep `\.` as an escaped dot, character-strings turn `\"` into `"`), and without
 * the surrounding quotes when `quoted` is true. `column` is 1-based, for error messages.
 */
export interface RdataToken {
  text: string;
  quoted: boolean;
  column: number;
}

/** RDATA that does not parse; `token` indexes the offending field when there is one. */
export class RdataError extends Error {
  readonly token: number | undefined;
  constructor(message: string, token?: number) {
    super(message);
    this.name = 'RdataError';
    this.token = token;
  }
}
