// `serial: auto`: the served SOA serial follows content changes by itself, so editing a zone file
// without bumping its serial still reaches secondaries (what CoreDNS and PowerDNS users ask for).

import { serialAdd, serialGreater } from '../dns/serial.js';

/**
 * keep: serve the file's serial. auto: date-based YYYYMMDDnn. unixtime: seconds since 1970.
 * With auto/unixtime, a load whose content changed serves a serial greater (RFC 1982) than both
 * the previous served serial and the file's; an unchanged reload keeps the previous one.
 */
export type SerialPolicy = 'keep' | 'auto' | 'unixtime';

export const SERIAL_POLICIES: readonly SerialPolicy[] = ['keep', 'auto', 'unixtime'];

/** The larger of serials in RFC 1982 order. */
export function later(a: number, b: number): number {
  return serialGreater(b, a) ? b >>> 0 : a >>> 0;
}

export function servedSerial(policy: SerialPolicy, fileSerial: number, previous: number | undefined, changed: boolean, now: Date): number {
  if (policy === 'keep') return fileSerial >>> 0;
  if (previous !== undefined && !changed) return previous;
  const floor = policy === 'unixtime'
    ? Math.floor(now.getTime() / 1000)
    : (now.getUTCFullYear() * 10000 + (now.getUTCMonth() + 1) * 100 + now.getUTCDate()) * 100;
  let serial = later(fileSerial, floor);
  if (previous !== undefined) serial = later(serial, serialAdd(previous, 1));
  return serial;
}

/**
 * The serial of a zone zonedns signs, after a change (an edit, or signatures made again): it must
 * go up every time, or secondaries keep expiring signatures. `keep` serves the file's serial while
 * it is ahead, else the previous serial + 1 (as Knot's `serial-policy: increment`).
 */
export function signedSerial(policy: SerialPolicy, fileSerial: number, previous: number | undefined, now: Date): number {
  if (policy !== 'keep') return servedSerial(policy, fileSerial, previous, true, now);
  return previous === undefined ? fileSerial >>> 0 : later(fileSerial, serialAdd(previous, 1));
}
