// Building blocks for the configuration schema (config-schema.ts), each carrying the wording of
// its error, and the one function that turns the schema's complaints into `path: message`
// (`zones[1].rotate: expected one of cyclic, random, none`). Zod's own messages ("Invalid input:
// expected string, received number") name neither the choices nor the bounds; ours do.

import * as z from 'zod';

/** A missing required key gets "required"; a present but wrong value gets `message`. */
const orRequired = (message: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : message);

export function text() {
  const message = 'expected a non-empty string';
  return z.string({ error: orRequired(message) }).min(1, { error: message });
}

/** `octets` octets written as hexadecimal digits (a secret, as BIND, Knot and NSD take them). */
export function hex(octets: number) {
  const message = `expected ${2 * octets} hexadecimal digits`;
  return z.string({ error: orRequired(message) }).regex(new RegExp(`^[0-9a-fA-F]{${2 * octets}}$`), { error: message });
}

export function int(min: number, max: number) {
  const message = `expected an integer from ${min} to ${max}`;
  return z.int({ error: orRequired(message) }).min(min, { error: message }).max(max, { error: message });
}

/** `"5s"`, `"200ms"`, `"1m"`, `"1h"`, `"14d"`, `"1w"`: read into milliseconds by durationMs(). `examples` for the error. */
export function duration(examples = '"5s", "200ms", "1m" or "1h"') {
  const message = `expected a duration such as ${examples}`;
  return z.string({ error: orRequired(message) }).regex(DURATION, { error: message });
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration() value in whole milliseconds. */
export function durationMs(text: string): number {
  const m = DURATION.exec(text)!;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

export function flag() {
  return z.boolean({ error: orRequired('expected true or false') });
}

export function oneOf<const T extends readonly string[]>(choices: T) {
  return z.enum(choices, { error: orRequired(`expected one of ${choices.join(', ')}`) });
}

/** `what` completes "expected …": 'a non-empty array of "ADDR:PORT"'. */
export function list<T extends z.ZodType>(item: T, what: string, minItems = 0) {
  const message = `expected ${what}`;
  const array = z.array(item, { error: orRequired(message) });
  return minItems === 0 ? array : array.min(minItems, { error: message });
}

/** An object whose keys are free (`what` says what they are) and whose values are all `value`. */
export function table<T extends z.ZodType>(value: T, what: string) {
  return z.record(z.string(), value, { error: orRequired(`expected an object of ${what}`) });
}

/** An object that allows only the keys of `shape`; an unknown key is named with the allowed ones. */
export function obj<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key (allowed: ${Object.keys(shape).join(', ')})` : orRequired('expected an object')(issue)),
  });
}

/** One of several forms (a string, or an object); `what` completes "expected …". */
export function either<const T extends readonly [z.ZodType, ...z.ZodType[]]>(forms: T, what: string) {
  return z.union(forms, { error: orRequired(`expected ${what}`) });
}

type Issue = z.core.$ZodIssue;

/** The first problem as `path: message`; an unknown key first, since it is the likeliest typo. */
export function describeIssues(issues: readonly Issue[], at: readonly PropertyKey[] = []): string {
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  const path = [...at, ...issue.path];
  if (issue.code === 'invalid_union') {
    // Which form was meant is plain from the value's type (an object for `{ "address": … }`):
    // say what is wrong inside that form rather than "expected one of the forms".
    const meant = issue.errors.filter((form) => !form.some((i) => i.path.length === 0 && i.code === 'invalid_type'));
    if (meant.length === 1) return describeIssues(meant[0]!, path);
  }
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]!);
  return path.length === 0 ? issue.message : `${pathText(path)}: ${issue.message}`;
}

/** ['zones', 1, 'rotate'] -> 'zones[1].rotate'. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
