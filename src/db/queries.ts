// Loads named SQL from sql/<entity>.sql, in the style of listmonk's queries.sql:
// each statement follows a `-- name: some-name` line. Loading happens when a repo
// module is imported, so a missing or misspelt query stops the boot, not a request.
import fs from 'node:fs';
import path from 'node:path';

export const SQL_DIR = path.resolve(import.meta.dirname, '../../sql');

export function loadQueries<const N extends string>(file: string, names: readonly N[]): Record<N, string> {
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
  const result = {} as Record<N, string>;
  for (const name of names) {
    const statement = found.get(name);
    if (!statement) throw new Error(`sql/${file}: no query named "${name}"`);
    result[name] = statement;
  }
  return result;
}
