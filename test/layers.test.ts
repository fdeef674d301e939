// The layers, checked: infrastructure (jobs, mail, db, http) imports no
// feature, every page address is built in src/urls.ts, and no two exclusive
// periodic tasks share a lock.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LOCKS } from '../src/db/locks.ts';
import { periodicTasks } from '../src/features.ts';

const FEATURES = ['actions', 'signatures', 'pledges', 'supporters', 'updates', 'letters', 'posts', 'demo', 'settings', 'admin', 'images'];
const INFRASTRUCTURE = ['jobs', 'mail', 'db', 'http'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const importsOf = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

describe('layers', () => {
  it('keeps infrastructure free of features', () => {
    const offending = INFRASTRUCTURE.flatMap((layer) =>
      sourceFiles(path.join('src', layer)).flatMap((file) =>
        importsOf(file)
          .filter((target) => target.startsWith('.'))
          .map((target) => path.relative('src', path.resolve(path.dirname(file), target)))
          .filter((target) => FEATURES.includes(target.split(path.sep)[0]!) || target === 'features.ts')
          .map((target) => `${file} imports ${target}`),
      ),
    );
    assert.deepEqual(offending, []);
  });

  it('builds page addresses in src/urls.ts only', () => {
    const pagePath = /['"`]\/(actions|posts|authors|tags|confirm|cancel|privacy|unsubscribe)\//;
    const offending = sourceFiles('src')
      .filter((file) => file !== path.join('src', 'urls.ts'))
      .flatMap((file) => fs.readFileSync(file, 'utf8').split('\n').map((line, i) => ({ file, line, n: i + 1 })))
      .filter(({ line }) => pagePath.test(line) && !line.trim().startsWith('//'))
      .map(({ file, n, line }) => `${file}:${n}: ${line.trim()}`);
    assert.deepEqual(offending, []);
    const views = sourceFilesOfViews('views').filter((file) => /(href|action|data-count-url)="\/(actions|posts|authors|tags|confirm|cancel|privacy|unsubscribe)/.test(fs.readFileSync(file, 'utf8')));
    assert.deepEqual(views, [], 'views use {{url …}}');
  });

  it('gives every piece of exclusive work a lock of its own, from src/db/locks.ts', () => {
    const keys = Object.values(LOCKS);
    assert.equal(new Set(keys).size, keys.length, 'no two names share a key');
    const taskLocks = periodicTasks.flatMap((task) => (task.exclusiveLock === undefined ? [] : [task.exclusiveLock]));
    assert.ok(taskLocks.length >= 2);
    assert.equal(new Set(taskLocks).size, taskLocks.length, 'no two tasks share a lock');
    for (const lock of taskLocks) assert.ok((keys as number[]).includes(lock), `lock ${lock} is listed in LOCKS`);
    // And no key is written out anywhere else.
    const literal = /7_?265_?30\d/;
    const offending = [...sourceFiles('src'), ...sourceFiles('test'), ...sqlFiles('sql')]
      .filter((file) => !file.endsWith(path.join('db', 'locks.ts')) && !file.endsWith('layers.test.ts'))
      .filter((file) => literal.test(fs.readFileSync(file, 'utf8')));
    assert.deepEqual(offending, []);
  });
});

function sourceFilesOfViews(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFilesOfViews(full) : full.endsWith('.hbs') ? [full] : [];
  });
}

function sqlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sqlFiles(full) : full.endsWith('.sql') ? [full] : [];
  });
}
