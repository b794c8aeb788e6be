// The control channel's protocol (`zonedns ctl` <-> the running server), over a local Unix
// socket (control-socket.ts): one request per connection, one JSON object on one line, answered
// by one JSON object on one line, then the server closes.
//
//   -> {"v":1,"verb":"zones","zone":"example.com"}
//   <- {"ok":true,"result":{...}}        or        {"ok":false,"error":"no zone example.com."}
//
// The request is checked before JSON.parse ever sees it: at most MAX_REQUEST_BYTES, and no
// nesting at all (a request is one flat object). BIND's CVE-2023-3341 was a control message
// parsed recursively before it was authenticated: deep enough nesting overflowed the stack
// (models-for-new-rooms.md §6). Here the socket's mode (0600) is the authentication, and a
// request that could reach any depth is refused by a linear scan first.

/** The verbs, with whether they take a zone: required, optional, or none. */
export const VERBS = {
  status: 'none',
  zones: 'optional',
  reload: 'optional',
  refresh: 'required',
  retransfer: 'required',
  notify: 'required',
  reconfig: 'none',
  stop: 'none',
} as const;
export type Verb = keyof typeof VERBS;

export const PROTOCOL_VERSION = 1;
/** A verb and a zone name in presentation form (255 octets, up to 4 characters each as \DDD). */
export const MAX_REQUEST_BYTES = 2048;
/** A request is one object of strings and numbers: depth 1. */
const MAX_DEPTH = 1;

export interface ControlRequest {
  readonly v: number;
  readonly verb: Verb;
  readonly zone?: string;
}

export type ControlResponse = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };

/** What a verb failed with: said back to the client as `{"ok":false,"error":...}`. */
export class ControlError extends Error {
  override readonly name = 'ControlError';
}

/**
 * Deepest nesting of objects and arrays in JSON text, counted without parsing (strings and their
 * escapes skipped), stopping as soon as it passes `limit`. Linear in the text, constant stack.
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return max;
}

/** A request line (without its newline) as the server received it; throws ControlError. */
export function parseRequest(line: string): ControlRequest {
  if (Buffer.byteLength(line) > MAX_REQUEST_BYTES) throw new ControlError(`request larger than ${MAX_REQUEST_BYTES} bytes`);
  if (jsonDepth(line, MAX_DEPTH) > MAX_DEPTH) throw new ControlError('request nested too deeply: expected one flat JSON object');
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ControlError('request is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ControlError('request is not a JSON object');
  const { v, verb, zone, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ControlError(`unknown request key "${unknown[0]}" (allowed: v, verb, zone)`);
  if (v !== PROTOCOL_VERSION) throw new ControlError(`protocol version ${JSON.stringify(v)} not supported (this server speaks ${PROTOCOL_VERSION})`);
  if (typeof verb !== 'string' || !Object.hasOwn(VERBS, verb)) throw new ControlError(`unknown verb ${JSON.stringify(verb)} (verbs: ${Object.keys(VERBS).join(', ')})`);
  const takes = VERBS[verb as Verb];
  if (zone !== undefined && (typeof zone !== 'string' || zone === '')) throw new ControlError('"zone" must be a non-empty string');
  if (takes === 'none' && zone !== undefined) throw new ControlError(`${verb} takes no zone`);
  if (takes === 'required' && zone === undefined) throw new ControlError(`${verb} needs a zone`);
  return zone === undefined ? { v, verb: verb as Verb } : { v, verb: verb as Verb, zone };
}

/** The line a client sends. */
export function requestLine(verb: Verb, zone?: string): string {
  return `${JSON.stringify(zone === undefined ? { v: PROTOCOL_VERSION, verb } : { v: PROTOCOL_VERSION, verb, zone })}\n`;
}
