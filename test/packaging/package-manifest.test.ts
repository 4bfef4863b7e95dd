// The package as installed: what bin/kvlab.js imports at run time is a runtime dependency, and every
// installed package accepts the Node versions package.json's `engines` promises (so `npm ci` on the
// floor prints no EBADENGINE), including the cookie version light-my-request is pinned to.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastify from 'fastify';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as {
  packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }>;
};

/** Installed lockfile entries (platform packages for other systems are listed but absent) with an engines.node range. */
function installedEngines(): { path: string; dev: boolean; node: string }[] {
  const out: { path: string; dev: boolean; node: string }[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const engines = entry.engines;
    if (path === '' || engines === undefined || Array.isArray(engines) || engines.node === undefined) continue;
    if (!existsSync(`${root}${path}`)) continue;
    out.push({ path, dev: entry.dev === true, node: engines.node });
  }
  return out;
}

describe('package manifest', () => {
  it('bin/kvlab.js imports only runtime dependencies (an installed kvlab has no devDependencies)', () => {
    const src = readFileSync(`${root}bin/kvlab.js`, 'utf8');
    const bare = [...src.matchAll(/\bimport\s*(?:[^'"]*?from\s*)?\(?\s*['"]([^'"./][^'"]*)['"]/g)].map((m) => m[1]);
    const names = bare.filter((s) => !s.startsWith('node:')).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
    expect(names).toContain('tsx');
    for (const name of names) {
      expect(pkg.dependencies[name], `${name} must be in dependencies`).toBeDefined();
      expect(pkg.devDependencies[name], `${name} must not be a devDependency`).toBeUndefined();
    }
  });

  it('every installed runtime package supports the whole engines range kvlab declares', () => {
    const floor = pkg.engines.node;
    expect(semver.validRange(floor)).not.toBeNull();
    const narrower = installedEngines()
      .filter((e) => !e.dev && !semver.subset(floor, e.node))
      .map((e) => `${e.path} wants node ${e.node}`);
    expect(narrower).toEqual([]);
  });

  it('every installed package, dev ones included, accepts the running Node (npm ci warns EBADENGINE otherwise)', () => {
    const refused = installedEngines()
      .filter((e) => !semver.satisfies(process.version, e.node))
      .map((e) => `${e.path} wants node ${e.node}`);
    expect(refused).toEqual([]);
  });

  it("fastify's inject sends cookies through light-my-request with the pinned cookie version", async () => {
    const app = fastify();
    app.get('/echo', async (req) => ({ cookie: req.headers.cookie ?? null }));
    try {
      const res = await app.inject({ method: 'GET', url: '/echo', cookies: { a: 'x y', b: '1' } });
      expect(res.json()).toEqual({ cookie: 'a=x%20y; b=1' });
      const scoped = await app.inject({ method: 'GET', url: '/echo', cookies: [{ name: 'c', value: '2', path: '/other' }] });
      expect(scoped.json()).toEqual({ cookie: '' }); // a cookie for another path is not sent
    } finally {
      await app.close();
    }
  });
});
