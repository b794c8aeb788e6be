// `--apply` and `--remove`: write or delete the recipe's file, then have the resolver read it.
// Only these need privileges. Without them, zonedns runs the same step again through sudo (its
// password prompt is the only question asked), or says exactly what to run.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { marker, type Recipe } from './recipes.js';

export interface ApplyTarget {
  /** Files go under this directory instead of / (a chroot or image); reloads are skipped then. */
  root: string;
  /** Says what was done, one line each. */
  say: (line: string) => void;
  /** Runs a reload command; injectable for tests. */
  run?: (argv: readonly string[]) => { ok: boolean; why?: string };
}

function runCommand(argv: readonly string[]): { ok: boolean; why?: string } {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error !== undefined) return { ok: false, why: r.error.message };
  return r.status === 0 ? { ok: true } : { ok: false, why: `exit status ${r.status ?? r.signal}` };
}

const onHost = (t: ApplyTarget) => t.root === '/';

/** Whether this process may create or delete the recipe's file (else: sudo). */
export function mayWrite(recipe: Recipe, root: string): boolean {
  if (process.getuid?.() === 0) return true;
  // The nearest existing directory on the way to the file decides.
  for (let dir = dirname(join(root, recipe.path)); ; dir = dirname(dir)) {
    try {
      accessSync(dir, constants.W_OK);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dir === dirname(dir)) return false;
    }
  }
}

function reload(recipe: Recipe, t: ApplyTarget): boolean {
  if (recipe.reload === undefined || !onHost(t)) return true;
  const r = (t.run ?? runCommand)(recipe.reload);
  if (r.ok) {
    t.say(`ran: ${recipe.reload.join(' ')}`);
    return true;
  }
  t.say(`could not run \`${recipe.reload.join(' ')}\` (${r.why}): run it as root for ${recipe.kind} to read the change`);
  return false;
}

/** Writes the file (temp file and rename: a resolver never reads half of it), then reloads. */
export function applyRecipe(recipe: Recipe, t: ApplyTarget): boolean {
  const path = join(t.root, recipe.path);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.zonedns-tmp`;
  writeFileSync(tmp, recipe.content, { mode: 0o644 });
  renameSync(tmp, path);
  t.say(`wrote ${path}`);
  return reload(recipe, t);
}

/**
 * Deletes the files zonedns dev wrote for this domain (they start with its marker line; any other
 * file at those paths is someone else's and stays), then reloads the resolvers that had one.
 */
export function removeRecipes(domain: string, recipes: readonly Recipe[], t: ApplyTarget): boolean {
  let ok = true;
  let found = 0;
  for (const recipe of recipes) {
    const path = join(t.root, recipe.path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    if (!text.startsWith(marker(domain) + '\n')) {
      t.say(`left ${path} alone: zonedns dev did not write it`);
      continue;
    }
    unlinkSync(path);
    found++;
    t.say(`deleted ${path}`);
    ok = reload(recipe, t) && ok;
  }
  if (found === 0) t.say(`nothing to remove: no resolver file for ${domain} written by zonedns dev`);
  return ok;
}

/**
 * Runs `zonedns ARGS` as root through sudo, in this terminal (sudo asks for the password there).
 * Returns false when sudo is missing or refused; the caller then says what to run.
 */
export function viaSudo(args: readonly string[]): boolean {
  // Already sudo's child and still not allowed: asking again would only loop.
  if (process.env.SUDO_UID !== undefined) return false;
  const argv = [process.execPath, process.argv[1], ...args];
  const r = spawnSync('sudo', ['--', ...argv], { stdio: 'inherit' });
  return r.error === undefined && r.status === 0;
}
