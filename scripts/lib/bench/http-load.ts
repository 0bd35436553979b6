import http from 'node:http';

export type LoadResult = { requests: number; errors: number; non2xx: number; rps: number; latencies: number[] };

/**
 * Closed-loop load: `connections` keep-alive clients, each sending its next request as soon as
 * the previous one completes, for `durationMs` (and at most `maxRequests`). Loopback only.
 */
export async function httpLoad(opts: {
  url: string;
  method?: string;
  body?: (i: number) => string;
  connections: number;
  durationMs: number;
  maxRequests?: number;
}): Promise<LoadResult> {
  const target = new URL(opts.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error('Load tests only target this machine (127.0.0.1).');
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  const deadline = performance.now() + opts.durationMs;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const body = opts.body?.(i);
      const t = performance.now();
      const req = http.request(
        target,
        {
          method: opts.method ?? 'GET',
          agent,
          headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - t);
            if ((res.statusCode ?? 0) >= 300) non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (performance.now() < deadline && sent < (opts.maxRequests ?? Infinity)) await one(sent++);
    }),
  );
  const wall = performance.now() - started;
  agent.destroy();
  return { requests: latencies.length, errors, non2xx, rps: (latencies.length / wall) * 1000, latencies };
}

/** Time to the first text chunk of a streamed /api/chat answer, and to its end. */
export async function chatTimings(url: string, question: string): Promise<{ firstTokenMs: number; totalMs: number }> {
  const t = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: question }] }] }),
  });
  if (!res.ok || !res.body) throw new Error(`/api/chat answered ${res.status}`);
  let firstTokenMs = NaN;
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    if (Number.isNaN(firstTokenMs) && decoder.decode(r.value, { stream: true }).includes('"text-delta"'))
      firstTokenMs = performance.now() - t;
  }
  return { firstTokenMs, totalMs: performance.now() - t };
}
