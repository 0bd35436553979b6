import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * Event-loop delay of this server process, so a benchmark can see whether answering blocks
 * serving, and how long the loop was busy (its thread's work, whatever else the machine runs).
 * Each read returns the figures since the previous read and starts a new window.
 */
let histogram: ReturnType<typeof monitorEventLoopDelay> | undefined;
let since = Date.now();
let busySince: EventLoopUtilization | undefined;

export function eventLoopWindow(): { p50Ms: number; p99Ms: number; maxMs: number; windowMs: number; busyMs: number } {
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
  }
  const busy = performance.eventLoopUtilization(busySince);
  busySince = performance.eventLoopUtilization();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const out = {
    p50Ms: ms(histogram.percentile(50)),
    p99Ms: ms(histogram.percentile(99)),
    maxMs: ms(histogram.max),
    windowMs: Date.now() - since,
    busyMs: Math.round(busy.active),
  };
  histogram.reset();
  since = Date.now();
  return out;
}
