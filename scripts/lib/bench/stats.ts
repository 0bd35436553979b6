/** Small statistics for benchmarks: percentiles of samples, and median/min/max across repeated runs. */

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank]!;
}

export type Spread = { median: number; min: number; max: number; runs: number };

export function spread(values: number[]): Spread {
  return { median: percentile(values, 0.5), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

export function formatSpread(s: Spread, digits = 1): string {
  const f = (x: number) => (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toFixed(digits));
  return `${f(s.median)} [${f(s.min)}–${f(s.max)}]`;
}

/** Runs `fn` `runs` times and returns the spread of what it reports. */
export async function repeat(runs: number, fn: (run: number) => Promise<number> | number): Promise<Spread> {
  const values: number[] = [];
  for (let r = 0; r < runs; r++) values.push(await fn(r));
  return spread(values);
}

/** Latencies of `tasks` run by `concurrency` workers; returns per-task latencies and wall time. */
export async function runConcurrently<T>(
  tasks: T[],
  concurrency: number,
  fn: (task: T) => Promise<unknown>,
): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        const t = performance.now();
        await fn(task);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - started };
}
