// Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went:
// self time by function and by file or package (top 40 each), and by layer
// (express, body parsing, rate limiting, zod, the pg protocol, our code, …).
//
//   node --import tsx bench/cpuprofile.ts /tmp/prof-sign/CPU.*.cpuprofile
//
// Several files are added up (the server writes one per thread). Self time is
// the time a function was on top of the stack; "(garbage collector)",
// "(program)" (V8 itself, compiling, the loop's own work) and "(idle)" are
// V8's own entries.
import fs from 'node:fs';
import path from 'node:path';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

/** The layer of a frame, by its file: the first pattern that matches. */
const LAYERS: [string, RegExp][] = [
  ['express/router', /node_modules\/(express|router|finalhandler|send|serve-static|path-to-regexp|on-finished|depd|statuses|http-errors|encodeurl|escape-html|parseurl|content-type|content-disposition|fresh|etag|mime-types|mime-db|accepts|negotiator|type-is|media-typer|vary|proxy-addr|forwarded|ipaddr\.js|merge-descriptors)\//],
  ['body parsing', /node_modules\/(body-parser|qs|raw-body|iconv-lite|bytes|side-channel[^/]*|call-bind[^/]*|get-intrinsic|es-[^/]*|has-symbols|gopd|dunder-proto|function-bind|hasown|object-inspect|math-intrinsics)\//],
  ['cookies/csrf/session', /node_modules\/(cookie|cookie-parser|cookie-signature|csrf-csrf|express-session)\//],
  ['rate limiting', /node_modules\/express-rate-limit\/|src\/http\/rate-limit\.ts|src\/db\/rate-limit-store\.ts/],
  ['helmet', /node_modules\/helmet\//],
  ['zod validation', /node_modules\/zod\//],
  ['pg protocol', /node_modules\/(pg|pg-protocol|pg-pool|pg-types|pg-connection-string|postgres-[^/]*|pgpass|buffer-writer|packet-reader)\//],
  ['pg-boss', /node_modules\/pg-boss\//],
  ['handlebars', /node_modules\/handlebars\/|src\/http\/views\.ts/],
  ['logging', /node_modules\/(pino[^/]*|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|atomic-sleep|on-exit-leak-free|safe-stable-stringify)\//],
  ['tsx loader', /node_modules\/(tsx|esbuild|get-tsconfig)\//],
  ['our service code', /\/src\//],
  ['other packages', /node_modules\//],
  ['node http/net', /^node:(_http|http|net|stream|internal\/streams|internal\/http|_stream)|^node:internal\/(net|stream_base_commons|timers|async_hooks|process\/task_queues)/],
  ['crypto', /^node:(crypto|internal\/crypto)/],
  ['node (other)', /^node:/],
];

function layerOfUrl(url: string): string {
  for (const [name, pattern] of LAYERS) if (pattern.test(url)) return name;
  return 'other';
}

/** A frame's layer; a native one (no file: a syscall such as writev, JSON.parse) counts in its caller's. */
function layerOf(node: Node, parents: Map<number, Node>): string {
  const name = node.callFrame.functionName;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8 (program)';
  for (let n: Node | undefined = node; n; n = parents.get(n.id)) {
    if (n.callFrame.url !== '') return layerOfUrl(n.callFrame.url);
  }
  return 'builtins (no caller)';
}

/** The nearest caller with a file, for naming a native frame. */
function callerOf(node: Node, parents: Map<number, Node>): string {
  for (let n = parents.get(node.id); n; n = parents.get(n.id)) {
    if (n.callFrame.url !== '') return `${n.callFrame.functionName || '(anonymous)'} ${fileOf(n.callFrame.url)}`;
  }
  return '';
}

function fileOf(url: string): string {
  if (url === '') return '(no file)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `pkg ${pkg[1]}`;
  const src = /\/((?:src|bench|test)\/.*)$/.exec(url);
  if (src) return src[1]!;
  return url.replace(/^file:\/\//, '');
}

// --skip-s=N leaves out the first N seconds of each profile (the server's start: loading modules).
const skipArg = process.argv.find((a) => a.startsWith('--skip-s='));
const skipUs = skipArg ? Number(skipArg.slice('--skip-s='.length)) * 1e6 : 0;
// --from=NAME leaves out what came before the first sample with a function of that name on its stack (the first request).
const fromArg = process.argv.find((a) => a.startsWith('--from='));
const fromName = fromArg?.slice('--from='.length);
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('usage: bench/cpuprofile.ts [--skip-s=N] [--from=FUNCTION] FILE.cpuprofile …');
  process.exit(2);
}
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
const byLayer = new Map<string, number>();
let total = 0;
const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
for (const file of files) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, Node>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n);
  let at = profile.startTime;
  let started = fromName === undefined;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at - profile.startTime < skipUs) return;
    if (!started) {
      for (let n: Node | undefined = nodes.get(id); n && !started; n = parents.get(n.id)) started = n.callFrame.functionName === fromName;
      if (!started) return;
    }
    const node = nodes.get(id)!;
    const frame = node.callFrame;
    total += us;
    const where = frame.url === '' ? `← ${callerOf(node, parents)}` : `${fileOf(frame.url)}:${frame.lineNumber + 1}`;
    add(byFunction, `${frame.functionName || '(anonymous)'} ${where}`, us);
    add(byFile, fileOf(frame.url), us);
    add(byLayer, layerOf(node, parents), us);
  });
}
const busy = total - (byLayer.get('idle') ?? 0);
function print(title: string, map: Map<string, number>, top: number) {
  console.log(`\n== ${title} (ms, % of busy time ${(busy / 1000).toFixed(0)} ms; idle excluded from the shares)`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = key === 'idle' ? '' : `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
    console.log(`${(us / 1000).toFixed(0).padStart(7)}  ${share.padStart(7)}  ${key}`);
  }
}
console.log(`profiles: ${files.map((f) => path.basename(f)).join(', ')}; sampled ${(total / 1000).toFixed(0)} ms`);
print('by layer', byLayer, 40);
print('by file or package', byFile, 40);
print('by function (self time)', byFunction, 40);
