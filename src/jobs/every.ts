// Runs a piece of periodic work every intervalMs, never two rounds at once
// (a slow round is not overlapped by the next), until stopped; stop() waits
// for a round in progress.
export type Loop = { stop: () => Promise<void> };

export function every(intervalMs: number, work: () => Promise<unknown>, onError: (error: unknown) => void): Loop {
  let current: Promise<void> | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped || current) return;
    current = work()
      .then(() => undefined, onError)
      .finally(() => {
        current = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
