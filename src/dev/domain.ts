// Which names `zonedns dev` serves. A development domain must be one no resolver treats
// specially before asking a server, and one that shadows nothing real: names under `.test`
// (RFC 6761 §6.2) are exactly that, and the default is `dev.test`.

import { nameFromText, type Name } from '../dns/name.js';

export const DEFAULT_DEV_DOMAIN = 'dev.test';

/** A domain `zonedns dev` cannot serve: the reason is a sentence for the user. */
export class DevDomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevDomainError';
  }
}

export interface DevDomain {
  /** Lower case, no final dot: `dev.test`. */
  readonly text: string;
  readonly name: Name;
  /** Said once at start when the name is usable but shadows the public DNS. */
  readonly warning?: string;
}

/** Special-use names (and why not) that no resolver would send to zonedns, or should not. */
const REFUSED: ReadonlyArray<readonly [suffix: string, why: string]> = [
  ['local', 'names under .local are multicast DNS (RFC 6762): the system resolves them by mDNS on the local network and never asks a DNS server; pick a name under .test, e.g. dev.test'],
  ['localhost', 'names under .localhost already mean this machine (RFC 6761 §6.3): systemd-resolved, glibc and browsers answer them without asking any server, so they need no zonedns; for names a resolver asks zonedns about, pick a name under .test'],
  ['invalid', 'names under .invalid never exist (RFC 6761 §6.4): resolvers answer NXDOMAIN without asking a server; pick a name under .test'],
  ['onion', 'names under .onion are Tor onion services (RFC 7686): resolvers must not look them up; pick a name under .test'],
  ['alt', 'names under .alt are for name systems other than the DNS (RFC 9476): resolvers answer NXDOMAIN without asking; pick a name under .test'],
];

/** Names reserved for private use: serving them shadows nothing (checked before REFUSED's arpa). */
const PRIVATE_USE = ['test', 'example', 'internal', 'home.arpa'];

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const under = (domain: string, suffix: string) => domain === suffix || domain.endsWith('.' + suffix);

/** Checks a DOMAIN argument: host-name syntax, and not a name the resolvers keep to themselves. */
export function parseDevDomain(input: string): DevDomain {
  const text = input.trim().toLowerCase().replace(/\.$/, '');
  if (text === '') throw new DevDomainError('the root is not a development domain: give a name such as dev.test');
  const bad = text.split('.').find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    throw new DevDomainError(`"${input}" is not a host name: each dot-separated part is letters, digits and inner hyphens, at most 63 characters ("${bad}" is not)`);
  }
  if (text.length > 253) throw new DevDomainError(`"${input}" is longer than the 253 characters a host name can have`);
  for (const [suffix, why] of REFUSED) {
    if (under(text, suffix)) throw new DevDomainError(`cannot serve ${text}: ${why}`);
  }
  const name = nameFromText(text + '.');
  if (PRIVATE_USE.some((p) => under(text, p))) return { text, name };
  if (under(text, 'arpa')) {
    throw new DevDomainError(`cannot serve ${text}: names under .arpa are the DNS's own (reverse mappings, RFC 3172); a local development domain goes under .test or home.arpa`);
  }
  return {
    text,
    name,
    warning: `${text} is not under a name reserved for private use (.test, .internal, home.arpa): a resolver told to ask zonedns for it stops seeing the public DNS's ${text}, and a validating resolver rejects the answers if the public parent zone is signed`,
  };
}
