// `--to NAME=ADDR`: a name under the development domain (and every name below it) that points
// somewhere other than this machine, e.g. a container's address. The address family picks the
// record type: A for IPv4, AAAA for IPv6.

import { isIPv4, isIPv6 } from 'node:net';
import { DevDomainError, type DevDomain } from './domain.js';

export interface DevTarget {
  /** Labels below the domain, `api` or `v1.api`; '' is the domain itself. */
  readonly relative: string;
  readonly type: 'A' | 'AAAA';
  readonly address: string;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Reads one `--to` value; NAME is relative to the domain, or written in full under it. */
export function parseDevTarget(domain: DevDomain, spec: string): DevTarget {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new DevDomainError(`--to "${spec}": expected NAME=ADDRESS, e.g. --to api=172.17.0.2`);
  const name = spec.slice(0, eq).trim().toLowerCase().replace(/\.$/, '');
  const address = spec.slice(eq + 1).trim();
  let relative = name;
  if (name === domain.text || name === '@') relative = '';
  else if (name.endsWith('.' + domain.text)) relative = name.slice(0, -domain.text.length - 1);
  if (relative !== '' && !relative.split('.').every((l) => LABEL.test(l))) {
    throw new DevDomainError(`--to "${spec}": "${name}" is not a name under ${domain.text} (letters, digits, hyphens; e.g. api or api.${domain.text})`);
  }
  if (relative.length + domain.text.length + 1 > 253) throw new DevDomainError(`--to "${spec}": the name is longer than 253 characters`);
  if (isIPv4(address)) return { relative, type: 'A', address };
  if (isIPv6(address) && !address.includes('%')) return { relative, type: 'AAAA', address };
  throw new DevDomainError(`--to "${spec}": "${address}" is not an IPv4 or IPv6 address`);
}
