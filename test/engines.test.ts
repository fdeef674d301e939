// package.json declares the Node.js the code needs: import.meta.dirname (used
// to find views/ and sql/) and import attributes (`with { type: 'json' }`)
// came in Node 20.11; npm start crashed on 20.9, which `engines` allowed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';

describe('engines', () => {
  it('asks for Node 20.11 or newer, as the code needs, in package.json, its lock and the README', () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    assert.equal(pkg.engines.node, '>=20.11');
    const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
    assert.equal(lock.packages[''].engines.node, '>=20.11');
    assert.match(fs.readFileSync('README.md', 'utf8'), /Node\.js 20\.11 or newer/);
    const [major, minor] = process.versions.node.split('.').map(Number);
    assert.ok(major! > 20 || (major === 20 && minor! >= 11), `this Node (${process.version}) is one the code runs on`);
  });
});
