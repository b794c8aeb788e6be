// Real DNSSEC validators for tests, judging what an authoritative server under test sends:
//
// - unbound as a validating resolver: support/unbound.ts with `anchors` (stub zones to the server
//   under test, the trust anchors given, `query` asks with DO=1: AD=1 validated, SERVFAIL bogus);
// - delv (bind9-dnsutils), which validates one answer from one server against an anchor file;
// and the anchors both take (DS lines; a DNSKEY as zone-file text; delv's trust-anchors syntax).

import { execFile } from 'node:child_process';
import { findProgram } from '../../support/peers.js';
import type { Endpoint } from './wire.js';

/** A DNSKEY RR as zone-file text (a trust anchor line), from its owner and RDATA in hex. */
export function dnskeyText(owner: string, rdataHex: string): string {
  const r = Buffer.from(rdataHex, 'hex');
  return `${owner.replace(/\.?$/, '.')} 3600 IN DNSKEY ${r.readUInt16BE(0)} ${r[2]} ${r[3]} ${r.subarray(4).toString('base64')}\n`;
}

/** Trust anchors for delv's -a (`trust-anchors { ... }` syntax) from DS lines. */
export function delvAnchors(ds: string): string {
  const lines = ds.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 7)
    .map((f) => {
      const at = f.indexOf('DS');
      return `  "${f[0]}" static-ds ${f[at + 1]} ${f[at + 2]} ${f[at + 3]} "${f.slice(at + 4).join('')}";`;
    });
  return `trust-anchors {\n${lines.join('\n')}\n};\n`;
}

export interface DelvResult {
  /** delv said "fully validated" (a positive or a negative answer). */
  validated: boolean;
  /** Negative: "ncache nxdomain" / "ncache nxrrset"; undefined for a positive answer. */
  negative: 'nxdomain' | 'nxrrset' | undefined;
  output: string;
}

/**
 * `delv @host -p port -a anchorFile +root=root name type`: validates one answer taken straight
 * from the server under test (delv does not iterate: every name must be served there).
 */
export function delv(server: Endpoint, anchorFile: string, root: string, name: string, type: string): Promise<DelvResult> {
  const path = findProgram('delv');
  if (path === undefined) return Promise.reject(new Error('delv is not installed'));
  const args = [`@${server.host}`, '-p', String(server.port), '-a', anchorFile, `+root=${root}`, '+tcp', name, type];
  return new Promise((resolve) => {
    execFile(path, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const output = `$ delv ${args.join(' ')}\n${stdout}${stderr}${err ? `\n(${err.message})` : ''}`;
      const negative = /ncache nxdomain/.test(output) ? 'nxdomain' : /ncache nxrrset/.test(output) ? 'nxrrset' : undefined;
      resolve({ validated: /; (negative response, )?fully validated/.test(output), negative, output });
    });
  });
}
