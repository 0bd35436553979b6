/**
 * Admits `limit` jobs at a time and queues the rest, the oldest request first. The work of a
 * question on the thread that serves HTTP (retrieval, then the local engine's composition) comes
 * in slices of a few milliseconds with turns of the event loop between; with every request's
 * slices in the loop at once, a single turn runs one slice of each, so a timer or a new
 * connection waits for the sum and every answer finishes late. Queued by when their request
 * began, the same work takes the same total time, each turn stays short, and a question that has
 * finished retrieving goes ahead of newer ones still waiting to start: answers finish in order.
 */
export type Admit = <T>(job: () => Promise<T>, options: { since: number; signal?: AbortSignal }) => Promise<T>;

export function gate(limit: number): Admit {
  let running = 0;
  const waiting: { since: number; enter: () => void }[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next.enter();
    else running--;
  };
  return async (job, { since, signal }) => {
    if (running < limit) running++;
    else {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const entry = {
          since,
          enter: () => {
            signal?.removeEventListener('abort', leave);
            resolve();
          },
        };
        const leave = () => {
          waiting.splice(waiting.indexOf(entry), 1);
          reject(signal!.reason);
        };
        // The queue is short (the requests in flight): a sorted insert keeps the oldest first.
        const at = waiting.findIndex((w) => w.since > since);
        waiting.splice(at < 0 ? waiting.length : at, 0, entry);
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

/**
 * The one gate of the serving thread, shared by retrieval and the local engine. Two at once keep
 * it busy while the model embeds a question; more only lengthen each turn. Measured with 32
 * connections of new questions (news-2022, this 2-core machine, 3 runs each), p95 / event-loop
 * p99: 2 at once 426 / 26 ms, 4 at once 405 / 45 ms, 8 at once 441 / 55 ms.
 */
const servingThread = gate(2);

/**
 * A question's work through the gate when its store searches on this thread; straight through
 * when the store is a server the work mostly waits on (a gate held while waiting only queues others).
 */
export const pacedFor = (store: { searchesOnThisThread?: boolean }): Admit => (store.searchesOnThisThread ? servingThread : (job) => job());
