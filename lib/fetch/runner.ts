import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Outcome } from './library';

const ADD_TIMEOUT_MS = 10 * 60_000;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `scripts/add.ts` (fetching, reading and indexing) in a child process, so extraction and
 * embedding never hold up the server's event loop and a hostile file can cost the child, not the
 * server, its memory. One at a time: the ingest takes a lock on the index.
 */
export function runAdd(args: { urls?: string[]; files?: string[] }): Promise<Outcome[]> {
  const run = () =>
    new Promise<Outcome[]>((resolve, reject) => {
      const argv = [
        '--max-old-space-size=1024',
        '--import',
        'tsx',
        path.join(process.cwd(), 'scripts', 'add.ts'),
        '--json',
        ...(args.files ?? []).flatMap((f) => ['--describe', f]),
        '--',
        ...(args.urls ?? []),
      ];
      const child = spawn(process.execPath, argv, {
        cwd: process.cwd(),
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: ADD_TIMEOUT_MS,
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        if (out.length < 5_000_000) out += d;
      });
      child.stderr.on('data', (d) => {
        if (err.length < 100_000) err += d;
      });
      child.on('error', reject);
      child.on('close', (code) => {
        const last = out.trim().split('\n').pop() ?? '';
        try {
          if (code !== 0 && code !== 3) throw new Error();
          resolve((JSON.parse(last) as { outcomes: Outcome[] }).outcomes);
        } catch {
          reject(new Error(`Indexing failed (exit ${code}): ${err.trim().split('\n').pop() ?? 'no message'}`));
        }
      });
    });
  const next = queue.then(run, run);
  queue = next.catch(() => undefined);
  return next;
}
