// The chokidar adapter: the only file that knows about chokidar. Emits one debounced callback per
// path, so an editor's write-temp-then-rename or a half-written file becomes a single reload of
// the finished file.

import { watch, type FSWatcher } from 'chokidar';

export interface PathWatcher {
  /** Starts watching paths not watched yet (new $INCLUDEs, new zone files). */
  add(paths: readonly string[]): void;
  close(): Promise<void>;
  /** Resolves once the initial scan is done and events will be reported. */
  ready: Promise<void>;
}

/**
 * Watches files and directories. `onChange(path)` runs `debounceMs` after the last event for that
 * path (100-250 ms absorbs editors' multi-step saves without making reloads feel slow).
 */
export function watchPaths(paths: readonly string[], onChange: (path: string) => void, debounceMs = 150): PathWatcher {
  const timers = new Map<string, NodeJS.Timeout>();
  const watched = new Set(paths);
  const watcher: FSWatcher = watch([...paths], {
    ignoreInitial: true,
    // Follow symlinks so a Kubernetes ConfigMap's `..data` swap shows up as changes.
    followSymlinks: true,
    // Polling is not needed on Linux; inotify sees rename-over and in-place writes.
    usePolling: false,
    depth: 1,
  });
  const schedule = (path: string) => {
    const prev = timers.get(path);
    if (prev) clearTimeout(prev);
    timers.set(path, setTimeout(() => {
      timers.delete(path);
      onChange(path);
    }, debounceMs));
  };
  watcher.on('all', (_event, path) => schedule(path));
  // chokidar never says `ready` when it was given nothing to watch (a server of secondary zones
  // only): `serve` waited on it forever and never finished starting.
  const ready = paths.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    add(more) {
      const fresh = more.filter((p) => !watched.has(p));
      for (const p of fresh) watched.add(p);
      if (fresh.length) watcher.add(fresh);
    },
    async close() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await watcher.close();
    },
  };
}
