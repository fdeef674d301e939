// A Placard process (`npm start`'s src/server.ts, `npm run worker`'s
// src/worker.ts) spawned as in production, its output kept line by line, for
// the tests that signal, kill and restart real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';

export type Exit = { code: number | null; signal: NodeJS.Signals | null; at: number };

/** A spawned Placard process, its log lines, and its exit. */
export class Spawned {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  private watchers: { matches: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  /** True when started through npm, in a process group of its own (npm's children are in it). */
  private readonly group: boolean;

  /** `script` through tsx, or an npm script (`['npm', 'start']`) exactly as package.json says. */
  constructor(script: string | ['npm', ...string[]], env: Record<string, string>) {
    const inherited = { ...process.env };
    delete inherited.NODE_TEST_CONTEXT;
    this.group = Array.isArray(script);
    this.child = Array.isArray(script)
      ? spawn('npm', script.slice(1), {
          // The script's `node` is the one running the tests (Node 20 or 24 in CI).
          env: { ...inherited, PATH: `${path.dirname(process.execPath)}:${inherited.PATH ?? ''}`, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        })
      : spawn(process.execPath, ['--import', 'tsx', script], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        this.watchers = this.watchers.filter((w) => (w.matches(line) ? (w.resolve(line), false) : true));
      });
    }
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  }

  /**
   * The first log line that contains `match` (or that it accepts), from line
   * `from` on; fails if the process exits first or after `timeoutMs`.
   */
  waitForLine(match: string | ((line: string) => boolean), timeoutMs = 60_000, from = 0): Promise<string> {
    const matches = typeof match === 'string' ? (line: string) => line.includes(match) : match;
    const seen = this.lines.slice(from).find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log line with ${String(match)} within ${timeoutMs} ms:\n${this.log()}`)), timeoutMs);
      this.watchers.push({
        matches,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`exited before logging ${String(match)}:\n${this.log()}`));
      });
    });
  }

  log(): string {
    return this.lines.join('\n');
  }

  /** SIGKILL to the process (and, through npm, to its whole group). */
  kill(): void {
    if (this.group) {
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        // the group is gone
      }
      return;
    }
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
