// The web processes of `npm start` when WEB_PROCESSES is above 1. This process,
// the cluster primary, forks them after it has prepared the database; each is
// a whole web server on the same port (node:cluster hands each new connection
// to the next one in turn), so the cores share the requests. The primary serves
// none: it restarts a web process that dies, and stops them all on a signal.
import cluster, { type Worker } from 'node:cluster';
import { StoppedWhileStarting } from './lifecycle.ts';
import type { Logger } from './log.ts';

// A web process that comes back at once and dies again is not restarted at
// once again: the wait doubles from RESTART_DELAY_MS up to MAX_RESTART_DELAY_MS.
const RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
// Serving this long forgives the deaths before.
const STABLE_AFTER_MS = 60_000;
// Deaths in a row, each before STABLE_AFTER_MS, after which the primary gives up:
// a web process that cannot start (the database refuses, a file is gone) fails
// the same way every time, and the supervisor (systemd, Docker) should see it.
const MAX_FAILURES_IN_A_ROW = 5;

export type WebProcesses = {
  /** Resolves once every web process listens; rejects if one fails to start. */
  ready: Promise<void>;
  /** SIGTERM to each (each drains its requests, src/server.ts); SIGKILL to any still there at `deadline`. */
  stop: (deadline: number) => Promise<void>;
};

/** One of the N places: the process in it now, and how often it died lately. */
type Slot = { number: number; worker?: Worker; listeningSince?: number; failures: number; restart?: NodeJS.Timeout };

export function startWebProcesses(options: {
  count: number;
  /** Added to each web process's environment (the primary's is inherited). */
  env: Record<string, string>;
  log: Logger;
  /** True once the primary is stopping: a web process that exits then is not restarted. */
  isStopping: () => boolean;
  /** The primary cannot go on (a web process keeps dying): stop everything, exit 1. */
  giveUp: (reason: Record<string, unknown>) => void;
}): WebProcesses {
  const { log } = options;
  let stopping = false;
  let started = false;
  let settleReady!: (error?: Error) => void;
  const ready = new Promise<void>((resolve, reject) => (settleReady = (error) => (error ? reject(error) : resolve())));
  const slots: Slot[] = Array.from({ length: options.count }, (_, i) => ({ number: i + 1, failures: 0 }));
  const exited = new Set<Promise<void>>();

  const fork = (slot: Slot) => {
    slot.restart = undefined;
    slot.listeningSince = undefined;
    const worker = cluster.fork({ ...options.env, PLACARD_WEB_PROCESS: String(slot.number) });
    slot.worker = worker;
    const pid = worker.process.pid;
    const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    exited.add(gone);
    void gone.then(() => exited.delete(gone));
    worker.once('listening', () => {
      slot.listeningSince = Date.now();
      log.info({ webProcess: slot.number, webProcessPid: pid }, 'web process listening');
      if (!started && slots.every((s) => s.listeningSince !== undefined)) {
        started = true;
        settleReady();
      }
    });
    worker.once('exit', (code, signal) => {
      if (slot.worker === worker) slot.worker = undefined;
      if (stopping || options.isStopping()) {
        // A Ctrl+C reaches the web processes too, which stop by themselves: the start ends.
        if (!started) settleReady(new StoppedWhileStarting());
        return;
      }
      const how = { webProcess: slot.number, webProcessPid: pid, code, signal };
      if (!started) {
        // At the first start a failure is the configuration's or the machine's (a port
        // taken, a database that refuses): the same every time. Its message is above.
        settleReady(new Error(`web process ${slot.number} (pid ${pid}) exited with ${signal ?? `code ${code}`} before it listened`));
        return;
      }
      const served = slot.listeningSince === undefined ? 0 : Date.now() - slot.listeningSince;
      slot.failures = served >= STABLE_AFTER_MS ? 1 : slot.failures + 1;
      if (slot.failures > MAX_FAILURES_IN_A_ROW) {
        log.error({ ...how, failures: slot.failures }, `web process ${slot.number} died ${slot.failures} times in a row; stopping Placard`);
        options.giveUp({ reason: 'a web process keeps dying', webProcess: slot.number });
        return;
      }
      const delayMs = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** (slot.failures - 1));
      log.error({ ...how, servedMs: served, restartInMs: delayMs }, 'web process exited; starting another');
      slot.restart = setTimeout(() => fork(slot), delayMs);
    });
  };

  for (const slot of slots) fork(slot);

  const stop = async (deadline: number) => {
    stopping = true;
    for (const slot of slots) clearTimeout(slot.restart);
    const running = slots.flatMap((slot) => (slot.worker && !slot.worker.isDead() ? [slot.worker] : []));
    for (const worker of running) worker.process.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()))));
    try {
      if ((await Promise.race([Promise.all(exited), late])) !== 'late') return;
    } finally {
      clearTimeout(timer);
    }
    const left = running.filter((worker) => !worker.isDead());
    log.warn({ pids: left.map((w) => w.process.pid) }, 'web processes still running at the deadline; killing them');
    for (const worker of left) worker.process.kill('SIGKILL');
    await Promise.all(exited);
  };

  return { ready, stop };
}
