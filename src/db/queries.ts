// Loads named SQL from sql/<entity>.sql, in the style of listmonk's queries.sql:
// each statement follows a `-- name: some-name` line. Loading happens when a repo
// module is imported, so a missing or misspelt query stops the boot, not a request.
// Each statement carries its name to node-postgres, which prepares it once per
// connection: PostgreSQL then plans it once instead of on every call (the
// signing benchmark's SQL ran twice as fast prepared).
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
