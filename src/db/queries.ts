// Loads named SQL from sql/<entity>.sql, in the style of listmonk's queries.sql:
// each statement follows a `-- name: some-name` line. Loading happens when a repo
// module is imported, so a missing or misspelt query stops the boot, not a request.
// Each statement carries its name to node-postgres, which prepares it once per
// connection: PostgreSQL then plans it once instead of on every call (the
// signing benchmark's SQL ran twice as fast prepared).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const SQL_DIR = path.resolve(import.meta.dirname, '../../sql');

/** A statement for pg's query(): `db.query({ ...sql['name'], values })`. */
export type NamedQuery = { readonly name: string; readonly text: string };

export function loadQueries<const N extends string>(file: string, names: readonly N[]): Record<N, NamedQuery> {
  const text = fs.readFileSync(path.join(SQL_DIR, file), 'utf8');
  const found = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current) found.set(current, lines.join('\n').trim());
  };
  for (const line of text.split('\n')) {
    const match = /^--\s*name:\s*([a-z0-9-]+)\s*$/.exec(line);
    if (match) {
      flush();
      current = match[1];
      lines = [];
    } else {
      lines.push(line);
    }
  }
  flush();
  const result = {} as Record<N, NamedQuery>;
  const entity = path.basename(file, '.sql');
  for (const name of names) {
    const text = found.get(name);
    if (!text) throw new Error(`sql/${file}: no query named "${name}"`);
    result[name] = { name: `${entity}/${name}`, text };
  }
  return result;
}

/**
 * Another statement's SQL to write inside this one (a CTE): its `$1`, `$2`, …
 * become `args[0]`, `args[1]`, … (this statement's own parameters, or SQL
 * expressions). Every parameter it has must be given one.
 */
export function embed(text: string, args: readonly string[]): string {
  return text.replace(/\$(\d+)/g, (_match, n: string) => {
    const arg = args[Number(n) - 1];
    if (arg === undefined) throw new Error(`embed: no argument for $${n}`);
    return arg;
  });
}

/**
 * A statement with more in it: each line `-- {{name}}` of `text` (a comment,
 * so that the statement runs as it is too) becomes `parts[name]`. Every part
 * must have its line, so that a renamed one stops the boot.
 */
export function compose(text: string, parts: Record<string, string>): string {
  let composed = text;
  for (const [name, part] of Object.entries(parts)) {
    const marker = new RegExp(`^--\\s*\\{\\{${name}\\}\\}\\s*$`, 'm');
    if (!marker.test(composed)) throw new Error(`compose: no line -- {{${name}}}`);
    composed = composed.replace(marker, () => part);
  }
  return composed;
}

/** A statement's name for node-postgres from its text, for SQL put together when the app starts (the same text, the same name). */
export function nameOf(prefix: string, text: string): string {
  return `${prefix}/${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
}
