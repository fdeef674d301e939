// What `npm start` and `npm run worker` run: the compiled JavaScript in build/
// when `npm run build` made it from the sources as they are now (production:
// no TypeScript loader, less memory, a faster start), else the TypeScript
// through tsx's loader (development, or a checkout never built). A build older
// than any source file is not used, with a warning: it would run code that is
// no longer there. Plain JavaScript, so that it runs before any loader does.
import cluster from 'node:cluster';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ENTRIES = ['server', 'worker'];
const entry = process.argv[2];
if (!ENTRIES.includes(entry)) {
  console.error(`usage: node src/launch.mjs ${ENTRIES.join('|')}`);
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..');
const built = path.join(root, 'build', `${entry}.js`);

/** The last time a TypeScript file under `dir` changed. */
function newestSource(dir) {
  let newest = 0;
  for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (item.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

let useBuild = false;
if (fs.existsSync(built)) {
  useBuild = newestSource(path.join(root, 'src')) <= fs.statSync(built).mtimeMs;
  // A web process forked by the cluster primary (src/cluster.ts) decides again, and finds the same: the primary has said so.
  if (!useBuild && !cluster.isWorker) console.warn('build/ is older than src/: running the TypeScript instead (npm run build makes it current)');
}
if (useBuild) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'src', `${entry}.ts`)).href);
}
