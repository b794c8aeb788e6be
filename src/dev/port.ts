// The port `zonedns dev` listens on when not told: the same one every time for the same domain,
// so a resolver configured once (`--apply`) keeps working across restarts, and different
// domains' servers do not collide. 20000-29999 is below every system's ephemeral range (Linux
// 32768-60999, macOS and Windows 49152-65535), where outgoing sockets would take it at random.

import { createHash } from 'node:crypto';

const FIRST = 20000;
const COUNT = 10000;

export function usualDevPort(domain: string): number {
  return FIRST + (createHash('sha256').update(domain).digest().readUInt32BE(0) % COUNT);
}
