// What each resolver needs so that it asks zonedns about the development domain and nothing
// else: one file each, written by `--apply` and deleted by `--remove`, and the command that makes
// the resolver read it. Every recipe is proven against the real resolver in
// test/interop/dev-resolvers.test.ts (dnsmasq, unbound, systemd-resolved).

export const RESOLVER_KINDS = ['systemd-resolved', 'networkmanager', 'dnsmasq', 'unbound', 'macos'] as const;
export type ResolverKind = (typeof RESOLVER_KINDS)[number];

export interface Recipe {
  readonly kind: ResolverKind;
  /** Who has this resolver, for the heading (`networkmanager (NetworkManager with dns=dnsmasq)`). */
  readonly who?: string;
  /** The file to write (absolute). */
  readonly path: string;
  /** The file's exact content. */
  readonly content: string;
  /** Run as root after writing or deleting the file; none: the resolver notices by itself. */
  readonly reload?: readonly string[];
}

/** Where zonedns listens, as the resolver must reach it. */
export interface DevServerAddress {
  readonly host: string;
  readonly port: number;
}

/** The first line of every file we write: what it is, and that --remove may delete it. */
export function marker(domain: string): string {
  return `# zonedns dev: send ${domain} to zonedns (zonedns dev --remove deletes this file)`;
}

export function recipe(kind: ResolverKind, domain: string, server: DevServerAddress): Recipe {
  const { host, port } = server;
  const v6 = host.includes(':');
  const head = marker(domain);
  switch (kind) {
    case 'systemd-resolved':
      // A global DNS server with a routing-only domain (resolved.conf(5): "~" routes, it does not
      // search). Not a link's: `resolvectl dns lo` is refused ("Link lo is loopback device"), and
      // a link's servers are reached through that link (IP_UNICAST_IF), which 127.0.0.1 is not on.
      return {
        kind, who: 'Ubuntu, Fedora, Arch; Debian with systemd-resolved',
        path: `/etc/systemd/resolved.conf.d/zonedns-${domain}.conf`,
        content: `${head}\n[Resolve]\nDNS=${v6 ? `[${host}]` : host}:${port}\nDomains=~${domain}\n`,
        reload: ['systemctl', 'restart', 'systemd-resolved'],
      };
    case 'networkmanager':
    case 'dnsmasq': {
      // rebind-domain-ok: with stop-dns-rebind (OpenWrt, Pi-hole, some distributions) dnsmasq
      // drops answers in 127.0.0.0/8 and private ranges unless the domain is exempt.
      const content = `${head}\nserver=/${domain}/${host}#${port}\nrebind-domain-ok=/${domain}/\n`;
      return kind === 'networkmanager'
        ? { kind, who: 'NetworkManager with dns=dnsmasq', path: `/etc/NetworkManager/dnsmasq.d/zonedns-${domain}.conf`, content, reload: ['systemctl', 'reload', 'NetworkManager'] }
        : { kind, who: 'on its own', path: `/etc/dnsmasq.d/zonedns-${domain}.conf`, content, reload: ['systemctl', 'restart', 'dnsmasq'] };
    }
    case 'unbound':
      // local-zone transparent: unbound answers names under test., invalid., home.arpa. ... from
      // built-in local zones (RFC 6761) without asking anyone; a more specific transparent zone
      // lets this domain through and keeps the rest of them local. domain-insecure: the root zone
      // proves test. does not exist, so a validating unbound would call these answers bogus.
      // do-not-query-localhost: unbound never asks 127.0.0.1 or ::1 otherwise.
      return {
        kind,
        path: `/etc/unbound/unbound.conf.d/zonedns-${domain}.conf`,
        content: [
          head,
          'server:',
          `    local-zone: "${domain}." transparent`,
          `    domain-insecure: "${domain}"`,
          `    private-domain: "${domain}"`,
          '    do-not-query-localhost: no',
          'stub-zone:',
          `    name: "${domain}"`,
          `    stub-addr: ${host}@${port}`,
          '',
        ].join('\n'),
        reload: ['systemctl', 'restart', 'unbound'],
      };
    case 'macos':
      // resolver(5): one file per domain, named for it; mDNSResponder reads the directory when it
      // changes. configd's parser skips lines whose first word is no keyword, as the marker's "#".
      return {
        kind,
        path: `/etc/resolver/${domain}`,
        content: `${head}\nnameserver ${host}\nport ${port}\n`,
      };
  }
}
