// The layers, checked: infrastructure (jobs, mail, db, http) imports no
// feature, every page address is built in src/urls.ts, and no two exclusive
// periodic tasks share a lock.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { periodicTasks } from '../src/features.ts';

const FEATURES = ['actions', 'signatures', 'posts', 'demo', 'settings'];
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
    const pagePath = /['"`]\/(actions|posts|authors|tags|confirm|cancel)\//;
    const offending = sourceFiles('src')
      .filter((file) => file !== path.join('src', 'urls.ts'))
      .flatMap((file) => fs.readFileSync(file, 'utf8').split('\n').map((line, i) => ({ file, line, n: i + 1 })))
      .filter(({ line }) => pagePath.test(line) && !line.trim().startsWith('//'))
      .map(({ file, n, line }) => `${file}:${n}: ${line.trim()}`);
    assert.deepEqual(offending, []);
    const views = sourceFilesOfViews('views').filter((file) => /(href|action|data-count-url)="\/(actions|posts|authors|tags|confirm|cancel)/.test(fs.readFileSync(file, 'utf8')));
    assert.deepEqual(views, [], 'views use {{url …}}');
  });

  it('gives every exclusive periodic task a lock of its own', () => {
    const locks = periodicTasks.flatMap((task) => (task.exclusiveLock === undefined ? [] : [task.exclusiveLock]));
    assert.ok(locks.length >= 2);
    assert.equal(new Set(locks).size, locks.length);
  });
});

function sourceFilesOfViews(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFilesOfViews(full) : full.endsWith('.hbs') ? [full] : [];
  });
}
