/**
 * Worker threads that start quickly. A worker thread does not inherit the parent's TypeScript loader,
 * so worker-boot.mjs registers tsx in it and imports the entry module by module through tsx's hooks:
 * 2–5 s per thread on this 2-core machine before the thread does any work, which ate what `--jobs 2`
 * gained on sweeps of short cells. Here a thread's TypeScript entry is bundled with esbuild (the
 * compiler tsx itself runs) into one ESM file under `node_modules/.cache/kvlab/`, and the thread loads
 * that file directly (~1.5 s less per thread). The file is named by a key of the source files' sizes
 * and times (`sourceKey`), so a later run finds it without running esbuild (0.2–0.5 s).
 *
 * What bundling changes, and how it is kept equal: each source file's `import.meta.url` is replaced
 * by that file's own URL, so data read relative to a module (model catalogues, shipped experiments)
 * is found as before; packages stay external and load from node_modules as they do under tsx (the
 * bundle lives inside the project so bare imports resolve). When bundling fails (no write access, an
 * esbuild error) the thread boots through tsx as before. A bundled thread does not inherit tsx's
 * loader flags (`tsx …`, `node --import tsx`: the bench and the tests): registering tsx again would
 * resolve every import through tsx's hooks thread (~0.3 s more to its first cell, measured at load 5).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build, version as esbuildVersion, type Plugin } from 'esbuild';

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/kvlab/', import.meta.url));
const BOOT = new URL('./worker-boot.mjs', import.meta.url);
const SRC_DIR = fileURLToPath(new URL('../', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

/** Gives every TypeScript file its own `import.meta.url` inside the bundle (packages are not bundled). */
const ownFileUrls: Plugin = {
  name: 'kvlab-own-file-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

const bundles = new Map<string, Promise<string | null>>();

/** The path of `entry` bundled into one ESM file, or null when it could not be bundled. */
export function bundledEntry(entry: URL): Promise<string | null> {
  let p = bundles.get(entry.href);
  if (p === undefined) {
    p = bundle(fileURLToPath(entry)).catch(() => null);
    bundles.set(entry.href, p);
  }
  return p;
}

/**
 * What a bundle is made of, as a key: the path, size and modification time of every file under src/
 * (where a thread's modules live), of package.json (imported for the version) and of the entry and
 * its folder's files when it lives outside src/ (the bench's thread imports its neighbours), with
 * esbuild's and Node's versions. Reading ~300 file times takes a few ms; esbuild takes 0.2-0.5 s (its
 * process starting, then the build) before the main thread can run its first cell, so a bundle whose
 * key is known is used without running esbuild.
 */
export function sourceKey(entryPath: string): string {
  const h = createHash('sha256').update(`${esbuildVersion}\0${process.versions.node}\0`);
  const add = (path: string): void => {
    const st = statSync(path);
    h.update(`${path}\0${st.size}\0${st.mtimeMs}\n`);
  };
  const filesUnder = (dir: string, recursive: boolean): string[] =>
    readdirSync(dir, { recursive, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath ?? d.path, d.name))
      .sort();
  const outside = !entryPath.startsWith(SRC_DIR) ? filesUnder(dirname(entryPath), false) : [];
  for (const f of [...filesUnder(SRC_DIR, true), ...outside, PACKAGE_JSON, entryPath]) add(f);
  return h.digest('hex').slice(0, 16);
}

/** Bundles of an entry older than this are removed when a new one is written (another checkout sharing node_modules may still be starting from a recent one). */
const STALE_BUNDLE_MS = 60 * 60 * 1000;

/** Remove `name`-*.mjs bundles other than `keep` that were written over STALE_BUNDLE_MS ago. */
function removeStaleBundles(name: string, keep: string): void {
  const now = Date.now();
  for (const f of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, f);
    if (path === keep || !f.startsWith(`${name}-`) || !f.endsWith('.mjs')) continue;
    try {
      if (now - statSync(path).mtimeMs > STALE_BUNDLE_MS) rmSync(path, { force: true });
    } catch {
      // Gone already (another process cleaning up): nothing to do.
    }
  }
}

async function bundle(entryPath: string): Promise<string> {
  const file = `${CACHE_DIR}${basename(entryPath, '.ts')}-${sourceKey(entryPath)}.mjs`;
  if (existsSync(file)) return file;
  const out = await build({
    entryPoints: [entryPath],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    plugins: [ownFileUrls],
    logLevel: 'silent',
  });
  mkdirSync(CACHE_DIR, { recursive: true });
  // Written aside and renamed: another process may be writing the same bundle.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, out.outputFiles[0].contents);
  renameSync(tmp, file);
  removeStaleBundles(basename(entryPath, '.ts'), file);
  return file;
}

/**
 * This process's Node flags without tsx's loader (`--import tsx`, or what the `tsx` command adds): a
 * thread would inherit them and register tsx again, with its own hooks thread through which every
 * module the bundle imports would be resolved, for nothing (the bundle is JavaScript).
 */
export function flagsWithoutTsx(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, null];
    if (!['--import', '--require', '-r', '--loader', '--experimental-loader'].includes(flag)) {
      out.push(a);
      continue;
    }
    const value = inline ?? execArgv[i + 1] ?? '';
    if (inline === null) i++;
    if (!/(^|[/\\])tsx([/\\]|$)/.test(value)) out.push(a, ...(inline === null ? [value] : []));
  }
  return out;
}

/** A worker thread running the TypeScript module `entry`: from its bundle, or through tsx. */
export async function startThread(entry: URL, workerData: Record<string, unknown> = {}): Promise<Worker> {
  const file = await bundledEntry(entry);
  if (file === null) return new Worker(BOOT, { workerData: { ...workerData, entry: entry.href } });
  const execArgv = flagsWithoutTsx(process.execArgv);
  if (execArgv.length === process.execArgv.length) return new Worker(file, { workerData });
  try {
    return new Worker(file, { workerData, execArgv });
  } catch (err) {
    // Given explicitly, flags a thread cannot take (--max-old-space-size, --expose-gc) are refused;
    // inherited, they are ignored: then the thread inherits tsx's loader too.
    if ((err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    return new Worker(file, { workerData });
  }
}
