import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Event-loop delay of this server process, so a benchmark can see whether answering blocks
 * serving. Each read returns the delay since the previous read and starts a new window.
 */
let histogram: ReturnType<typeof monitorEventLoopDelay> | undefined;
let since = Date.now();

export function eventLoopWindow(): { p50Ms: number; p99Ms: number; maxMs: number; windowMs: number } {
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
  }
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const out = {
    p50Ms: ms(histogram.percentile(50)),
    p99Ms: ms(histogram.percentile(99)),
    maxMs: ms(histogram.max),
    windowMs: Date.now() - since,
  };
  histogram.reset();
  since = Date.now();
  return out;
}
