// Types of hostile.mjs, for the tests that import it.

export interface HostileInput {
  /** The zone file to drop into the zones directory (none for the symlinked directory). */
  file: string | undefined;
  /** Puts the prepared zone file in place (renamed over it), or the symlink. */
  drop(): void;
  /** What its load must fail with, over the logged `file:line: message`. */
  expect: RegExp | undefined;
  cleanup(): void;
}

export function zoneHead(origin: string): string;
export function includeFanOut(dir: string, origin: string, opts?: { files?: number; each?: number }): HostileInput & { file: string; expect: RegExp };
export function includeFifo(dir: string, origin: string): HostileInput & { file: string; expect: RegExp };
export function includeDevZero(dir: string, origin: string): HostileInput & { file: string; expect: RegExp };
export function longLine(dir: string, origin: string, bytes: number): HostileInput & { file: string; expect: RegExp };
export function generateFlood(dir: string, origin: string, lines?: number): HostileInput & { file: string; expect: RegExp };
export function generateSmallFile(dir: string, origin: string): HostileInput & { file: string; expect: RegExp };
export function symlinkedSubdirectory(dir: string, outside: string, files?: number): HostileInput;
