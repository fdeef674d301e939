// Starting and stopping a process in order. Each step that starts something
// registers how to stop it and by when; a shutdown (SIGTERM, SIGINT, SIGHUP) or a
// failed boot stops them in reverse order, each within its deadline, so the
// whole stop keeps to STOP_DEADLINE_MS (inside the 10 s that Docker and systemd
// wait before SIGKILL) and nothing, such as the embedded PostgreSQL, is left behind.
import type { Logger } from './log.ts';

// From the signal to exit.
export const STOP_DEADLINE_MS = 8_000;
// The signals that stop the process in order.
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
// A step that overruns its deadline is not waited for longer than this.
const STEP_GRACE_MS = 500;

/** Whether `promise` settled (either way) before `deadline`, a Date.now() value. */
export async function settlesBy(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Thrown at a start's checkpoint once a signal has come. */
export class StoppedWhileStarting extends Error {
  constructor() {
    super('stopped while starting');
  }
}

type Step = { name: string; doneByMs: number; stop: (deadline: number) => Promise<void> };

export class Lifecycle {
  private readonly steps: Step[] = [];
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private starting: Promise<unknown> = Promise.resolve();

  constructor(private readonly log: Logger) {}

  /**
   * Registers how to stop what was just started: it must be done `doneByMs`
   * after the stop began (a quick step leaves its time to the next).
   */
  onStop(name: string, doneByMs: number, stop: (deadline: number) => Promise<void>): void {
    this.steps.push({ name, doneByMs: Math.min(doneByMs, STOP_DEADLINE_MS), stop });
  }

  /** Runs the start; a signal meanwhile waits for it (see exitOnSignals). */
  start(boot: () => Promise<void>): Promise<void> {
    const starting = boot();
    this.starting = starting;
    return starting;
  }

  /** Between the steps of a start: a signal has come, so the start goes no further. */
  checkpoint(): void {
    if (this.stopping) throw new StoppedWhileStarting();
  }

  /** Stops every registered step, last started first; once, however often it is called. */
  stopAll(startedAt = Date.now()): Promise<void> {
    this.stopped ??= this.stopSteps(startedAt);
    return this.stopped;
  }

  private async stopSteps(startedAt: number): Promise<void> {
    for (const { name, doneByMs, stop } of [...this.steps].reverse()) {
      const deadline = startedAt + doneByMs;
      const stopped = stop(deadline).catch((error: unknown) => this.log.error({ err: error }, `${name} did not stop cleanly`));
      if (!(await settlesBy(stopped, deadline + STEP_GRACE_MS))) this.log.error(`${name} did not stop by its deadline; going on`);
    }
  }

  /** Whether a stop has begun (a signal, or shutdown()). */
  get isStopping(): boolean {
    return this.stopping;
  }

  /**
   * On SIGTERM, SIGINT or SIGHUP (a closed terminal, which by default kills Node
   * at once and leaves the embedded PostgreSQL running): stop everything and
   * exit (1 if a step hangs past the deadline anyway). Node resets an ignored
   * SIGHUP when it starts, so `nohup` never kept it running through a hang-up.
   * Call it before the start begins, then `start()` the start: a signal that
   * comes while the process starts waits for the start to end (so that what it
   * started, e.g. the embedded PostgreSQL, is stopped too), then stops.
   */
  exitOnSignals(): void {
    for (const signal of STOP_SIGNALS) process.on(signal, () => void this.shutdown({ signal }));
  }

  /**
   * Stops everything, then exits with `exitCode`: on a signal (0), or when the
   * process cannot carry on (the cluster primary whose web processes keep dying, 1).
   * Once, however often it is called.
   */
  async shutdown(reason: Record<string, unknown>, exitCode = 0): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const startedAt = Date.now();
    this.log.info({ ...reason, deadlineMs: STOP_DEADLINE_MS }, 'shutting down');
    // Should a step hang despite its deadline, exit anyway rather than wait for SIGKILL.
    setTimeout(() => {
      this.log.error('did not stop in time; exiting anyway');
      process.exit(1);
    }, STOP_DEADLINE_MS + 2 * STEP_GRACE_MS).unref();
    // The start ends at its next checkpoint, or with the step it is in (the
    // embedded PostgreSQL's first initialisation takes a few seconds).
    await settlesBy(this.starting, startedAt + STOP_DEADLINE_MS - 2_000);
    await this.stopAll(startedAt);
    this.log.info({ ms: Date.now() - startedAt }, 'stopped');
    process.exit(exitCode);
  }
}
