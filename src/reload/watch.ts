// Watching zone files and the zones directory. Emits one debounced callback per path, so an
// editor's write-temp-then-rename or a half-written file becomes a single reload of the finished
// file.
//
// Files (zone files, $INCLUDEd files) are watched with chokidar, the only file that knows about
// it: it follows a file through rename-over saves and symlinks. A directory is watched by itself,
// with one fs.watch (one inotify watch): its entries are reported by name as they change, and
// nothing is listed or watched inside it. chokidar would list the directory and watch every file
// in it, and every file of every subdirectory it descends into: a symlinked subdirectory of 100k
// files took the server from 55 to 410 MiB (or to ENOSPC, out of inotify watches).

import { watch as watchDirectory, lstat, statSync, type FSWatcher as DirWatcher } from 'node:fs';
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export interface PathWatcher {
  /** Starts watching paths not watched yet (new $INCLUDEs, new zone files). */
  add(paths: readonly string[]): void;
  close(): Promise<void>;
  /** Resolves once the initial scan is done and events will be reported. */
  ready: Promise<void>;
}

export interface WatchOptions {
  /** Quiet time after the last event for a path before onChange (default 100 ms). */
  debounceMs?: number;
  /**
   * Which regular files in a watched directory matter by their name (e.g. `*.zone`). A change of
   * another regular file there is not reported, unless its path is watched itself; a change of
   * any other entry (a subdirectory, a symlink: a Kubernetes ConfigMap's `..data` swap) is.
   * Default: every entry matters.
   */
  watchFile?: (path: string) => boolean;
}

/**
 * Watches files and directories (see the top). `onChange(path)` runs `debounceMs` after the last
 * event for that path (100-250 ms absorbs editors' multi-step saves without making reloads feel
 * slow). For a directory, `path` is the entry that changed, or the directory when the system did
 * not say which.
 */
export function watchPaths(paths: readonly string[], onChange: (path: string) => void, opts: WatchOptions = {}): PathWatcher {
  const debounceMs = opts.debounceMs ?? 100;
  const watchFile = opts.watchFile ?? (() => true);
  const timers = new Map<string, NodeJS.Timeout>();
  const watched = new Set<string>();
  const directories = new Map<string, DirWatcher>();
  let files: FSWatcher | undefined;
  let filesReady: Promise<void> = Promise.resolve();

  const schedule = (path: string) => {
    const prev = timers.get(path);
    if (prev) clearTimeout(prev);
    timers.set(path, setTimeout(() => {
      timers.delete(path);
      onChange(path);
    }, debounceMs));
  };
  const onEntry = (dir: string, name: string | null) => {
    if (name === null) {
      schedule(dir);
      return;
    }
    const path = join(dir, name);
    if (watched.has(path) || watchFile(path)) {
      schedule(path);
      return;
    }
    // Some other entry: a regular file that does not matter, or something that may (a
    // subdirectory, a symlink swapped). Gone already: it was nothing watched.
    lstat(path, (err, st) => {
      if (err === null && !st.isFile()) schedule(path);
    });
  };
  const add = (more: readonly string[]) => {
    const newFiles: string[] = [];
    for (const p of more) {
      if (watched.has(p)) continue;
      watched.add(p);
      let isDirectory = false;
      try {
        isDirectory = statSync(p).isDirectory();
      } catch {
        // missing: watched as a file (chokidar reports it when it appears)
      }
      if (!isDirectory) {
        newFiles.push(p);
        continue;
      }
      const dw = watchDirectory(p, { persistent: true }, (_event, name) => onEntry(p, name === null ? null : String(name)));
      // The directory went away (or cannot be watched any more): report it, stop watching it.
      dw.on('error', () => {
        dw.close();
        directories.delete(p);
        watched.delete(p);
        schedule(p);
      });
      directories.set(p, dw);
    }
    if (newFiles.length === 0) return;
    if (files === undefined) {
      files = watch(newFiles, {
        ignoreInitial: true,
        // A zone file that is a symlink (`x.zone -> ..data/x.zone`) is watched where it points.
        followSymlinks: true,
        // Polling is not needed on Linux; inotify sees rename-over and in-place writes.
        usePolling: false,
      });
      files.on('all', (_event, path) => schedule(path));
      const w = files;
      filesReady = new Promise<void>((resolve) => w.once('ready', () => resolve()));
    } else {
      files.add(newFiles);
    }
  };
  add(paths);
  return {
    ready: filesReady,
    add,
    async close() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      for (const dw of directories.values()) dw.close();
      directories.clear();
      await files?.close();
    },
  };
}
