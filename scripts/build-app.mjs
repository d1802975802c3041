// Bundles an app's src/main.ts into dist/main.js (ESM, node20, with a source map), so production
// runs plain JavaScript without the tsx loader. Run from the app's folder: `node ../../scripts/build-app.mjs`.
// The @benchrunner/* workspace sources and every npm dependency that works bundled go into the file
// (each workspace package declares `"sideEffects": false`: it does no I/O on import, so esbuild drops
// the modules of it an app does not use, and the npm libraries only they need);
// only what cannot be bundled stays external and must be a dependency of the app (resolved from dist/).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What cannot be bundled:
 * - ssh2, cpu-features: native addons (node-ssh is bundled; its `require('ssh2')` stays a require).
 * - @bull-board/ui: @bull-board/api serves the UI's static files and views from its package folder.
 * - swagger-ui-dist: apps/api/src/docs.ts serves its files from the package folder.
 * - better-sqlite3: a native addon found through `bindings` (results database).
 * - pg-native: pg's optional native binding, never installed; pg itself is bundled.
 * Checked to work bundled: bullmq (its Lua scripts are compiled into JS strings), pino (thread-stream
 * is only for transports, which we do not use), kubo-rpc-client, ipfs-unixfs-importer, node-ssh,
 * @influxdata/influxdb-client.
 */
export const EXTERNAL = [
  'ssh2',
  'cpu-features',
  '@bull-board/ui',
  'swagger-ui-dist',
  'better-sqlite3',
  'pg-native',
];

// CommonJS dependencies call require(), and @bull-board/api runs `eval("require.resolve(...)")`:
// give the ESM bundle a module-scoped `require` (resolving from dist/, i.e. from the app's folder),
// plus __filename/__dirname for the few that read them.
const BANNER = [
  "import { createRequire as __benchrunnerCreateRequire } from 'node:module';",
  "import { fileURLToPath as __benchrunnerFileURLToPath } from 'node:url';",
  'const require = __benchrunnerCreateRequire(import.meta.url);',
  'const __filename = __benchrunnerFileURLToPath(import.meta.url);',
  "const __dirname = __benchrunnerFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

/** Bundles `<appDir>/src/main.ts` into `<appDir>/dist/main.js`; returns esbuild's metafile. */
export async function buildApp(appDir) {
  // esbuild is a devDependency of each app: resolve it from there, not from this folder.
  const require = createRequire(path.join(appDir, 'package.json'));
  const esbuild = await import(pathToFileURL(require.resolve('esbuild')).href);
  const result = await esbuild.build({
    absWorkingDir: appDir,
    entryPoints: ['src/main.ts'],
    outfile: 'dist/main.js',
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    external: EXTERNAL,
    banner: { js: BANNER },

    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const appDir = path.resolve(process.argv[2] ?? process.cwd());
  const started = performance.now();
  const metafile = await buildApp(appDir);
  const bytes = metafile.outputs[path.join('dist', 'main.js')]?.bytes ?? 0;
  console.log(
    `${path.relative(process.cwd(), path.join(appDir, 'dist', 'main.js')) || 'dist/main.js'}: ${(bytes / 1e6).toFixed(1)} MB in ${Math.round(performance.now() - started)} ms`,
  );
}
