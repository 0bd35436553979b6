// `npm run dev` / `npm start`: build the index if it is missing or stale, build the app if needed
// (start only), then serve on a free port and say where.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const mode = process.argv[2] === 'dev' ? 'dev' : 'start';
const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env });
  return r.status ?? 1;
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

// Incremental: unchanged articles are skipped, so this is quick when the index is current.
const ingest = run(bin('tsx'), [path.join(root, 'scripts/ingest.ts')]);
if (ingest !== 0 && ingest !== 3) process.exit(ingest); // 3 = some files skipped, the rest indexed

if (mode === 'start') {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  const sources = Math.max(...['app', 'lib'].map((d) => newestMtime(path.join(root, d))), statSync(path.join(root, 'next.config.js')).mtimeMs);
  if (!existsSync(buildId) || statSync(buildId).mtimeMs < sources) {
    console.log('Building the app (first run or sources changed)…');
    const code = run(bin('next'), ['build']);
    if (code !== 0) process.exit(code);
  }
}

/** The requested port if free, else the next free one. */
async function freePort(preferred) {
  for (let port = preferred; port < preferred + 50; port++) {
    const ok = await new Promise((resolve) => {
      const srv = createServer().once('error', () => resolve(false)).once('listening', () => srv.close(() => resolve(true)));
      srv.listen(port, '0.0.0.0');
    });
    if (ok) return port;
  }
  throw new Error(`No free port between ${preferred} and ${preferred + 49}.`);
}

const port = await freePort(Number(process.env.PORT) || 3000);
console.log(`\nDossier is starting at http://localhost:${port}\n`);
const child = spawn(bin('next'), [mode, '-p', String(port)], { stdio: 'inherit', cwd: root, env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
