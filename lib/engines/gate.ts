/**
 * Admits `limit` jobs at a time and queues the rest, first come first served. The local engine's
 * work on the thread that serves HTTP comes in slices of a few milliseconds with turns of the
 * event loop between; with every request's slices in the loop at once, a single turn runs one
 * slice of each and a timer or a new connection waits for the sum. Queued, the same work finishes
 * in the same total time, each turn stays short, and the earliest questions finish first.
 */
export function gate(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return async function admit<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (running < limit) running++;
    else {
      await new Promise<void>((resolve, reject) => {
        const enter = () => {
          signal?.removeEventListener('abort', leave);
          resolve();
        };
        const leave = () => {
          waiting.splice(waiting.indexOf(enter), 1);
          reject(signal!.reason);
        };
        signal?.throwIfAborted();
        waiting.push(enter);
        signal?.addEventListener('abort', leave, { once: true });
      });
    }
    try {
      return await job();
    } finally {
      release();
    }
  };
}
