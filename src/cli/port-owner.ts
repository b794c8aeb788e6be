// Who holds a port we could not listen on. `EADDRINUSE` alone sends people looking for "another
// DNS server" when the usual culprit for zonedns's default port is an mDNS responder: 5353 is
// the multicast DNS port (RFC 6762), and avahi-daemon or a browser holds it on 0.0.0.0. Linux
// lists every socket in /proc/net/{udp,tcp}{,6} with its inode, and /proc/PID/fd links name
// the socket's inode: the two together name the process (other users' processes only to root,
// as `ss -p` does).

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface PortHolder {
  transport: 'udp' | 'tcp';
  /** The address the holder bound, `0.0.0.0` or `::` for all. */
  address: string;
  uid: number;
  /** The process, when this user may see it. */
  pid?: number;
  command?: string;
}

/** The multicast DNS port (RFC 6762 §3). */
export const MDNS_PORT = 5353;

/** /proc/net address `0100007F:14E9` (IPv4) or 32 hex digits (IPv6), each word little-endian. */
function procAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => [w.slice(6, 8), w.slice(4, 6), w.slice(2, 4), w.slice(0, 2)].map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  // Shortest form for the two addresses people meet here; others in full.
  const text = groups.join(':');
  if (text === '0:0:0:0:0:0:0:0') return '::';
  if (text === '0:0:0:0:0:0:0:1') return '::1';
  return text;
}

/** Sockets bound to `port` (UDP: any state; TCP: listening) with their owners where visible. */
export function portHolders(port: number, proc = '/proc'): PortHolder[] {
  const holders: Array<PortHolder & { inode: string }> = [];
  for (const [file, transport] of [['udp', 'udp'], ['udp6', 'udp'], ['tcp', 'tcp'], ['tcp6', 'tcp']] as const) {
    let text: string;
    try {
      text = readFileSync(join(proc, 'net', file), 'utf8');
    } catch {
      continue; // no /proc (macOS), or no IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [addr, portHex] = f[1].split(':');
      if (parseInt(portHex, 16) !== port) continue;
      if (transport === 'tcp' && f[3] !== '0A') continue; // TCP_LISTEN
      holders.push({ transport, address: procAddress(addr), uid: Number(f[7]), inode: f[9] });
    }
  }
  if (holders.length === 0) return [];
  const wanted = new Map(holders.map((h) => [`socket:[${h.inode}]`, h]));
  let pids: string[] = [];
  try {
    pids = readdirSync(proc).filter((d) => /^\d+$/.test(d));
  } catch {
    // no /proc to look in
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(join(proc, pid, 'fd'));
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(join(proc, pid, 'fd', fd));
      } catch {
        continue;
      }
      const h = wanted.get(link);
      if (h === undefined || h.pid !== undefined) continue;
      h.pid = Number(pid);
      try {
        h.command = readFileSync(join(proc, pid, 'comm'), 'utf8').trim();
      } catch {
        // it exited meanwhile
      }
    }
  }
  return holders.map(({ inode: _inode, ...h }) => h);
}

/** One holder in words: `avahi-daemon (pid 812) on 0.0.0.0:5353/udp`. */
function describe(h: PortHolder, port: number): string {
  const where = `on ${h.address.includes(':') ? `[${h.address}]` : h.address}:${port}/${h.transport}`;
  if (h.command !== undefined) return `${h.command} (pid ${h.pid}) ${where}`;
  return `a process of uid ${h.uid} ${where}`;
}

/**
 * Says that `host:port` is taken and by whom, when that can be found; `advice` follows (how to
 * pick another port). The owner lookup is injectable for tests.
 */
export function portInUseMessage(host: string, port: number, advice: string, holders: readonly PortHolder[] = portHolders(port)): string {
  const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const seen = [...new Set(holders.map((h) => describe(h, port)))];
  let who = seen.length > 0 ? `another program holds it: ${seen.join(', ')}` : 'another program holds it';
  if (holders.some((h) => h.pid === undefined)) who += ` (\`sudo ss -lunpt 'sport = :${port}'\` names it)`;
  else if (seen.length === 0) who += ` (\`ss -lunpt 'sport = :${port}'\` or \`lsof -nP -i :${port}\` names it)`;
  const mdns = port === MDNS_PORT ? `; ${MDNS_PORT} is the multicast DNS (mDNS) port, which avahi-daemon, systemd-resolved or a browser may hold` : '';
  return `port ${shown} is in use (EADDRINUSE): ${who}${mdns}. ${advice}`;
}

/** `serve`'s advice: the flag that picks another port, also through `npm start`. */
export function serveListenAdvice(port: number): string {
  const next = port === 65535 ? 5300 : port + 1;
  return `Pick another port with --listen, e.g. --listen 127.0.0.1:${next} (with npm start: npm start -- --listen 127.0.0.1:${next})`;
}

/** The address a failed bind or listen was for: Node's errors carry it, the addon's message says it. */
export function failedEndpoint(err: Error & { address?: unknown; port?: unknown }): { host: string; port: number } | undefined {
  if (typeof err.address === 'string' && typeof err.port === 'number') return { host: err.address, port: err.port };
  const m = /\s\[?([0-9A-Fa-f:.]+?)\]?:(\d+)$/.exec(err.message);
  return m === null ? undefined : { host: m[1], port: Number(m[2]) };
}
