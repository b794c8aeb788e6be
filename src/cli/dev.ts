// `zonedns dev [DOMAIN]`: a local development domain in one command. Serves DOMAIN and every name
// below it as this machine (src/dev/zone.ts), from memory, on a port of its own; prints the one
// resolver file this system needs to send DOMAIN there (src/dev/recipes.ts, detect.ts) and, with
// --apply, writes it (src/dev/apply.ts). Exit codes as serve's: 0 after Ctrl-C, 1 cannot listen
// or apply, 2 usage.

import { createLogger } from '../log.js';
import { parseListen, startServer, type Endpoint, type RunningServer } from '../server/server.js';
import { ZoneRegistry } from '../zone/registry.js';
import { applyRecipe, mayWrite, removeRecipes, viaSudo, type ApplyTarget } from '../dev/apply.js';
import { devBanner, SERVING_LINE } from '../dev/banner.js';
import { detectResolver } from '../dev/detect.js';
import { DEFAULT_DEV_DOMAIN, DevDomainError, parseDevDomain, type DevDomain } from '../dev/domain.js';
import { usualDevPort } from '../dev/port.js';
import { recipe, RESOLVER_KINDS, type Recipe, type ResolverKind } from '../dev/recipes.js';
import { parseDevTarget, type DevTarget } from '../dev/targets.js';
import { devZone } from '../dev/zone.js';
import type { DEV_RESOLVER_CHOICES } from './dev-options.js';
import { failedEndpoint, portInUseMessage } from './port-owner.js';

export interface DevFlags {
  domain?: string;
  /** ADDR:PORT; default 127.0.0.1 on the domain's usual port (src/dev/port.ts). */
  listen?: string;
  /** NAME=ADDR entries. */
  to?: string[];
  resolver?: (typeof DEV_RESOLVER_CHOICES)[number];
  apply?: boolean;
  remove?: boolean;
  /** Start the server (default true); false prints, applies or removes and exits. */
  serve?: boolean;
  /** Write resolver files under this directory instead of / (no reloads then). */
  root?: string;
  queryLog?: boolean;
}

export interface DevOutput {
  out(text: string): void;
  err(text: string): void;
}

const stdio: DevOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** The resolvers a machine of this platform can have (macOS's only on macOS). */
function kindsFor(platform: NodeJS.Platform): ResolverKind[] {
  return RESOLVER_KINDS.filter((k) => (k === 'macos') === (platform === 'darwin'));
}

/** 0.0.0.0 and :: are where zonedns listens; a resolver reaches it on loopback. */
function reachableHost(host: string): string {
  return host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function runDev(flags: DevFlags, io: DevOutput = stdio): Promise<number> {
  const usage = (msg: string) => {
    io.err(`zonedns dev: ${msg}\n`);
    return EXIT_USAGE;
  };
  let domain: DevDomain;
  let targets: DevTarget[];
  let endpoint: Endpoint;
  try {
    domain = parseDevDomain(flags.domain ?? DEFAULT_DEV_DOMAIN);
    targets = (flags.to ?? []).map((spec) => parseDevTarget(domain, spec));
    endpoint = flags.listen === undefined ? { host: '127.0.0.1', port: usualDevPort(domain.text) } : parseListen(flags.listen);
  } catch (e) {
    return usage((e as Error).message);
  }
  const root = flags.root ?? '/';
  const target: ApplyTarget = { root, say: (line) => io.out(`${line}\n`) };
  const domainArg = domain.text === DEFAULT_DEV_DOMAIN ? [] : [domain.text];
  const rootArgs = flags.root === undefined ? [] : ['--root', flags.root];

  if (flags.remove === true) {
    if (flags.apply === true) return usage('--apply and --remove exclude each other');
    const recipes = kindsFor(process.platform).map((k) => recipe(k, domain.text, endpoint));
    if (recipes.every((r) => mayWrite(r, root))) return removeRecipes(domain.text, recipes, target) ? 0 : EXIT_FAILED;
    const args = ['dev', ...domainArg, '--remove', ...rootArgs];
    if (viaSudo(args)) return 0;
    io.err(`zonedns dev: deleting the resolver file needs root, and sudo did not run: run \`sudo zonedns ${args.join(' ')}\`\n`);
    return EXIT_FAILED;
  }

  const choice = flags.resolver ?? 'auto';
  if (flags.apply === true && choice === 'all') return usage('--apply writes one resolver\'s file: give --resolver NAME, or leave --resolver out for this system\'s');
  const detected = choice === 'auto' ? detectResolver({ root }) : undefined;
  const kind: ResolverKind | undefined = choice === 'auto' ? detected!.kind : choice === 'all' ? undefined : choice;
  if (flags.apply === true && kind === undefined) {
    return usage(`cannot tell which resolver this system uses (${detected!.why}): give --resolver ${kindsFor(process.platform).join('|')}`);
  }
  if (domain.warning !== undefined) io.err(`zonedns dev: note: ${domain.warning}\n`);

  let server: RunningServer | undefined;
  if (flags.serve !== false) {
    try {
      server = await listen(domain, targets, endpoint, flags, io);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const taken = err.code === 'EADDRINUSE' ? failedEndpoint(err) : undefined;
      io.err(`zonedns dev: cannot listen: ${taken === undefined ? err.message : portInUseMessage(taken.host, taken.port, `Pick another port with --listen ${taken.host.includes(':') ? '[::1]' : '127.0.0.1'}:PORT, or leave --listen out to take ${domain.text}'s usual port or a free one`)}\n`);
      return EXIT_FAILED;
    }
    endpoint = { host: endpoint.host, port: server.listening[0].port };
  }
  const host = reachableHost(endpoint.host);
  const address = { host, port: endpoint.port };
  // The port is part of every recipe: once it is not the usual one, the hints carry it.
  const listenArgs = flags.listen !== undefined || endpoint.port !== usualDevPort(domain.text) ? ['--listen', hostPort(host, endpoint.port)] : [];
  // One recipe when the resolver is known; every one with --resolver all (the README shows them),
  // and this platform's when nothing here could be recognised.
  const kinds = kind !== undefined ? [kind] : choice === 'all' ? [...RESOLVER_KINDS] : kindsFor(process.platform);
  const recipes: Recipe[] = kinds.map((k) => recipe(k, domain.text, address));
  const quietApply = flags.apply === true && flags.serve === false;
  if (!quietApply) {
    const chosen = kind !== undefined && choice !== 'auto' ? ['--resolver', kind] : [];
    io.out(devBanner({
      domain, targets, host, port: endpoint.port, recipes, serving: server !== undefined,
      detected: detected === undefined ? undefined : kind === undefined ? `no resolver zonedns knows (${detected.why})` : `${kind} (${detected.why})`,
      again: ['zonedns dev', ...domainArg, ...listenArgs, ...chosen].join(' '),
    }));
  }

  if (flags.apply === true) {
    const r = recipes[0];
    let ok: boolean;
    if (mayWrite(r, root)) {
      ok = applyRecipe(r, target);
    } else {
      const args = ['dev', ...domainArg, '--listen', hostPort(host, endpoint.port), '--resolver', r.kind, '--apply', '--no-serve', ...rootArgs];
      ok = viaSudo(args);
      if (!ok) io.err(`zonedns dev: writing ${r.path} needs root, and sudo did not run: run \`sudo zonedns ${args.join(' ')}\`\n`);
    }
    if (!ok) {
      await server?.close();
      return EXIT_FAILED;
    }
  }
  if (server === undefined) return 0;
  io.out(SERVING_LINE);
  await untilStopped();
  await server.close();
  return 0;
}

/**
 * Starts the server on the endpoint. The usual port taken (another `zonedns dev` for a domain
 * whose port collides, or any other program): a free port instead, said on stderr, since a
 * resolver configured for the usual one will not find it.
 */
async function listen(domain: DevDomain, targets: readonly DevTarget[], endpoint: Endpoint, flags: DevFlags, io: DevOutput): Promise<RunningServer> {
  const registry = new ZoneRegistry();
  const snapshot = devZone(domain, targets);
  registry.set({ origin: snapshot.origin, snapshot, options: { rotate: 'none' } });
  const log = createLogger({ level: flags.queryLog === true ? 'info' : 'warn' });
  const start = (ep: Endpoint) => startServer({ registry, endpoints: [ep], rotate: 'none', maxUdp: 1232, log, queryLog: flags.queryLog === true });
  try {
    return await start(endpoint);
  } catch (e) {
    if (flags.listen !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    const server = await start({ host: endpoint.host, port: 0 });
    io.err(`zonedns dev: ${portInUseMessage(endpoint.host, endpoint.port, `Serving on port ${server.listening[0].port} instead: a resolver set up for port ${endpoint.port} does not reach it until the file below is applied again.`)}\n`);
    return server;
  }
}

function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
