import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ModelSpec, TextKind } from './models.mjs';
import type { Embedder } from './types';

/** Texts per message: large enough to keep the encoder's batches full, small enough to spread a call over the threads. */
const MAX_BATCH = 32;

export const defaultThreads = () => Math.min(2, availableParallelism());

export type PooledEmbedder = Embedder & {
  readonly threads: number;
  /** What the user should know about how the model loaded (a fallback taken), from its first thread. */
  readonly warnings: string[];
  /** The live worker threads (for diagnostics and tests). */
  workers(): Worker[];
  close(): Promise<void>;
};

type Job = { id: number; texts: string[]; kind: TextKind; resolve(v: Float32Array[]): void; reject(e: unknown): void };
/** `awaited`: a caller waits for this thread's model to load (the pool's own start). */
type Slot = { worker: Worker; ready: boolean; awaited: boolean; job: Job | null };
type Identity = { id: string; label: string; dims: number; warnings: string[] };
type Reply =
  | ({ type: 'ready' } & Identity)
  | { type: 'failed'; message: string }
  | { type: 'done'; job: number; vectors: Float32Array[] }
  | { type: 'error'; job: number; message: string };

const firstLine = (s: string) => s.split('\n')[0]!.slice(0, 300);

/**
 * Runs a model in worker threads so that embedding never blocks the thread that serves HTTP: the
 * calling thread only posts texts and receives vectors (their buffers transferred, not copied).
 * Each thread loads its own copy of the model; a call's texts are split across the threads and
 * queued first come, first served. Idle threads do not keep the process alive.
 */
export async function startEmbedderPool(spec: ModelSpec, threads = defaultThreads()): Promise<PooledEmbedder> {
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextJob = 0;
  let closed = false;
  /** Why no thread can embed any more, once the last one is gone and could not be replaced. */
  let broken: string | null = null;

  // A thread holds the process open only while it works, or while it loads and someone waits for it.
  const refresh = () => {
    for (const s of slots) s.job || (!s.ready && (s.awaited || queue.length)) ? s.worker.ref() : s.worker.unref();
  };
  const pump = () => {
    for (const slot of slots) {
      if (!slot.ready || slot.job || !queue.length) continue;
      const job = queue.shift()!;
      slot.job = job;
      slot.worker.postMessage({ job: job.id, texts: job.texts, kind: job.kind });
    }
    refresh();
  };
  const failQueued = (sentence: string) => {
    for (const job of queue.splice(0)) job.reject(new Error(sentence));
  };

  const spawn = (awaited: boolean) =>
    new Promise<Identity>((resolve, reject) => {
      // This exact form is what Next.js (Turbopack) recognises as a worker thread's entry: it
      // bundles worker.mjs for the production server; tsx and plain Node run the file as it is.
      // No execArgv: the worker is plain JavaScript and needs no loader from the parent.
      const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: spec, execArgv: [] });
      const slot: Slot = { worker, ready: false, awaited, job: null };
      slots.push(slot);
      let crash = '';
      worker.on('message', (reply: Reply) => {
        if (reply.type === 'ready') {
          slot.ready = true;
          resolve({ id: reply.id, label: reply.label, dims: reply.dims, warnings: reply.warnings });
          if (closed) void worker.terminate();
          else pump();
        } else if (reply.type === 'failed') {
          reject(new Error(reply.message));
          void worker.terminate();
        } else if (slot.job?.id === reply.job) {
          const job = slot.job;
          slot.job = null;
          if (reply.type === 'done') job.resolve(reply.vectors);
          else job.reject(new Error(`The embedding model could not embed these texts: ${firstLine(reply.message)}.`));
          if (closed) void worker.terminate();
          else pump();
        }
      });
      worker.on('error', (error: Error) => {
        crash = firstLine(error.message);
      });
      worker.on('exit', (code) => {
        slots.splice(slots.indexOf(slot), 1);
        const why = crash || `exit code ${code}`;
        reject(new Error(`the embedding thread stopped while loading the model (${why})`));
        if (closed) return;
        slot.job?.reject(new Error(`The embedding thread stopped (${why}) before it finished; these texts were not embedded.`));
        if (!slot.ready) return;
        // Replace a thread that crashed after loading; the queue waits for the threads still alive.
        spawn(false).catch((error: Error) => {
          if (slots.length) return;
          broken = `a replacement embedding thread could not load the model (${firstLine(error.message)})`;
          failQueued(`Embedding is unavailable: ${broken}.`);
        });
        refresh();
      });
    });

  // Native inference (onnxruntime) stopped midway can corrupt the process's memory, so a thread
  // that is loading or embedding is terminated only once it replies; its caller gets the result.
  const close = async () => {
    closed = true;
    failQueued('The embedder was closed.');
    await Promise.all(
      slots.map(
        (s) =>
          new Promise((resolve) => {
            s.worker.once('exit', resolve);
            // Waiting for a thread that is still loading: it must keep the process alive until it exits.
            s.worker.ref();
            if (s.ready && !s.job) void s.worker.terminate();
          }),
      ),
    );
  };

  let identity: Identity;
  try {
    [identity] = (await Promise.all(Array.from({ length: Math.max(1, threads) }, () => spawn(true)))) as [Identity];
  } catch (error) {
    void close();
    throw error;
  }

  const enqueue = (texts: string[], kind: TextKind, signal?: AbortSignal) =>
    new Promise<Float32Array[]>((resolve, reject) => {
      const onAbort = () => {
        const queued = queue.indexOf(job);
        // Dropped if no thread has taken it yet; a running batch finishes, and its result is ignored.
        if (queued >= 0) queue.splice(queued, 1);
        reject(signal!.reason);
      };
      const done = () => signal?.removeEventListener('abort', onAbort);
      const job: Job = {
        id: nextJob++,
        texts,
        kind,
        resolve: (v) => {
          done();
          resolve(v);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(job);
    });

  const request = async (texts: string[], kind: TextKind, signal?: AbortSignal): Promise<Float32Array[]> => {
    signal?.throwIfAborted();
    if (closed) throw new Error('The embedder was closed.');
    if (broken) throw new Error(`Embedding is unavailable: ${broken}.`);
    if (!texts.length) return [];
    const size = Math.min(MAX_BATCH, Math.ceil(texts.length / Math.max(1, slots.length)));
    const parts: Promise<Float32Array[]>[] = [];
    for (let i = 0; i < texts.length; i += size) parts.push(enqueue(texts.slice(i, i + size), kind, signal));
    pump();
    return (await Promise.all(parts)).flat();
  };

  return {
    ...identity,
    threads: Math.max(1, threads),
    embedDocuments: (texts, signal) => request(texts, 'document', signal),
    embedQuery: async (text, signal) => (await request([text], 'query', signal))[0]!,
    workers: () => slots.map((s) => s.worker),
    close,
  };
}
