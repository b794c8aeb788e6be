// Protocol and service names for WKS (RFC 1035 §3.4.2 writes `tcp` and `smtp`, not 6 and 25).
// BIND resolves them with getprotobyname/getservbyname, i.e. the system's /etc/protocols and
// /etc/services; we read the same files, once, the first time a WKS record names one. Without
// the files only numbers work, and the error says so.

import { readFileSync } from 'node:fs';

let protocols: Map<string, number> | undefined;
let services: Map<string, number> | undefined;

/** `name number-or-port/proto aliases...` lines; keys are lower-case names and aliases. */
function readTable(file: string, entry: (fields: string[]) => [keys: string[], value: number] | undefined): Map<string, number> {
  const table = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return table;
  }
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 2) continue;
    const e = entry(fields);
    if (e === undefined) continue;
    for (const k of e[0]) if (!table.has(k)) table.set(k, e[1]);
  }
  return table;
}

/** IP protocol number for a name like `tcp` (case-insensitive), or undefined. */
export function protocolNumber(name: string): number | undefined {
  protocols ??= readTable('/etc/protocols', (f) => {
    const n = Number(f[1]);
    return Number.isInteger(n) ? [[f[0]!, ...f.slice(2)].map((k) => k.toLowerCase()), n] : undefined;
  });
  return protocols.get(name.toLowerCase());
}

/** Port of a service name for a protocol (`tcp`, `udp`, or any when undefined), or undefined. */
export function servicePort(name: string, protocol: string | undefined): number | undefined {
  services ??= readTable('/etc/services', (f) => {
    const m = /^(\d+)\/(\w+)$/.exec(f[1]!);
    if (m === null) return undefined;
    const names = [f[0]!, ...f.slice(2)].map((k) => k.toLowerCase());
    return [[...names.map((k) => `${k}/${m[2]}`), ...names], Number(m[1])];
  });
  const key = name.toLowerCase();
  return services.get(protocol === undefined ? key : `${key}/${protocol}`);
}
