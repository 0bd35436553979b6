import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** The project root: the production build and its server live there. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

const BUILD_STAMP = path.join(ROOT, '.next', 'dossier-sources.sha256');

/** A hash of everything that goes into the production build, so a stale build is never tested. */
function sourcesHash(): string {
  const hash = createHash('sha256');
  const files = ['app', 'lib'].flatMap((d) =>
    readdirSync(path.join(ROOT, d), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name)),
  );
  for (const f of [
    ...files,
    ...['next.config.js', 'proxy.ts', 'instrumentation.ts', 'package-lock.json'].map((f) => path.join(ROOT, f)),
  ].sort()) {
    hash.update(f).update(readFileSync(f));
  }
  return hash.digest('hex');
}

const BUILD_LOCK = path.join(ROOT, '.next-build.lock');

/**
 * Runs `next build` unless the last build was made from the same sources. A lock folder keeps two
 * test processes (or a test and `npm run bench`) from building into `.next` at the same time.
 */
export async function ensureProductionBuild(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      if (Date.now() - (statSync(BUILD_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 5 * 60_000)
        rmSync(BUILD_LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    const want = sourcesHash();
    if (existsSync(path.join(ROOT, '.next', 'BUILD_ID')) && existsSync(BUILD_STAMP) && readFileSync(BUILD_STAMP, 'utf8') === want) return;
    const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'next'), ['build'], {
      cwd: ROOT,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`next build failed:\n${r.stdout}\n${r.stderr}`);
    writeFileSync(BUILD_STAMP, want);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
  });
}

export type RunningServer = { url: string; child: ChildProcess; output: () => string; stop: () => Promise<void> };

/**
 * `next start` on a free loopback port with the given environment (index folder, LLM settings),
 * resolved once `/api/status` answers. The bound address and port go into the environment too, as
 * `npm start` passes them, so the proxy's host check knows the names it answers to.
 */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  await ensureProductionBuild();
  const port = await freePort();
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'next'), ['start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', DOSSIER_HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // If the process that started it dies early (a closed output pipe, an uncaught error), the server goes too.
  const killOnExit = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let log = '';
  child.stdout!.on('data', (d) => {
    log += d;
  });
  child.stderr!.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${url}/api/status`);
      await res.body?.cancel();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`next start did not answer within 60 s:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    child,
    output: () => log,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      process.off('exit', killOnExit);
    },
  };
}
