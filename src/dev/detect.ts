// Which resolver this machine's programs ask, so `zonedns dev` prints (and --apply writes) the
// one recipe that matters here. The evidence, strongest first: macOS; /etc/resolv.conf pointing
// at systemd-resolved's stub; NetworkManager configured with dns=dnsmasq; a local nameserver in
// resolv.conf and the program holding port 53; the resolver's configuration being installed.

import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { portHolders } from '../cli/port-owner.js';
import type { ResolverKind } from './recipes.js';

export interface DetectedResolver {
  /** undefined: none zonedns knows how to configure. */
  readonly kind: ResolverKind | undefined;
  /** The evidence, for the user: `/etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf`. */
  readonly why: string;
}

/** Where to look: the real system, or a directory tree standing in for it (tests). */
export interface DetectOptions {
  root?: string;
  platform?: NodeJS.Platform;
}

/** Process names of the resolvers that may hold port 53 (/proc/PID/comm: at most 15 characters). */
const PORT_53_OWNERS: Record<string, ResolverKind> = {
  'systemd-resolve': 'systemd-resolved',
  unbound: 'unbound',
  dnsmasq: 'dnsmasq',
};

export function detectResolver(opts: DetectOptions = {}): DetectedResolver {
  const root = opts.root ?? '/';
  const platform = opts.platform ?? process.platform;
  if (platform === 'darwin') return { kind: 'macos', why: 'macOS' };
  const at = (p: string) => join(root, p);
  const read = (p: string): string | undefined => {
    try {
      return readFileSync(at(p), 'utf8');
    } catch {
      return undefined;
    }
  };

  let link: string | undefined;
  try {
    link = readlinkSync(at('/etc/resolv.conf'));
  } catch {
    // a plain file (or none)
  }
  const nameservers = [...(read('/etc/resolv.conf') ?? '').matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]);
  if (link?.includes('systemd/resolve') === true) return { kind: 'systemd-resolved', why: `/etc/resolv.conf -> ${link}` };
  const stub = nameservers.find((n) => n === '127.0.0.53' || n === '127.0.0.54');
  if (stub !== undefined) return { kind: 'systemd-resolved', why: `/etc/resolv.conf names ${stub}, systemd-resolved's stub` };

  // NetworkManager runs its own dnsmasq with dns=dnsmasq in [main] (NetworkManager.conf(5)).
  const nmFiles = ['/etc/NetworkManager/NetworkManager.conf'];
  try {
    nmFiles.push(...readdirSync(at('/etc/NetworkManager/conf.d')).filter((f) => f.endsWith('.conf')).map((f) => `/etc/NetworkManager/conf.d/${f}`));
  } catch {
    // no conf.d
  }
  const nm = nmFiles.find((f) => /^\s*dns\s*=\s*dnsmasq\s*$/m.test(read(f) ?? ''));
  if (nm !== undefined) return { kind: 'networkmanager', why: `${nm} has dns=dnsmasq` };

  const local = nameservers.find((n) => n.startsWith('127.') || n === '::1');
  if (local !== undefined) {
    const owner = portHolders(53, at('/proc')).find((h) => h.command !== undefined && h.command in PORT_53_OWNERS);
    if (owner !== undefined) return { kind: PORT_53_OWNERS[owner.command!], why: `/etc/resolv.conf names ${local}, and ${owner.command} holds port 53` };
    if (existsSync(at('/etc/unbound/unbound.conf'))) return { kind: 'unbound', why: `/etc/resolv.conf names ${local}, and unbound is installed` };
    if (existsSync(at('/etc/dnsmasq.conf'))) return { kind: 'dnsmasq', why: `/etc/resolv.conf names ${local}, and dnsmasq is installed` };
  }
  const named = nameservers.length > 0 ? `names ${nameservers.join(', ')}` : 'names no nameserver';
  return { kind: undefined, why: `/etc/resolv.conf ${named}` };
}
