// `npm run dev` / `npm start`: build the index if it is missing or stale, build the app if needed
// (start only), then serve on a free port of the configured address (loopback unless HOST or
// DOSSIER_HOST says otherwise) and say where.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';

const mode = process.argv[2] === 'dev' ? 'dev' : 'start';
const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

// The same validated settings as the app; a bad value stops here with its sentence.
const { getConfig } = await tsImport('../lib/config.ts', import.meta.url);
const { isLoopback, isWildcard } = await tsImport('../lib/http/access.ts', import.meta.url);
let server;
try {
  server = getConfig().server;
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
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
  const sources = Math.max(
    ...['app', 'lib'].map((d) => newestMtime(path.join(root, d))),
    ...['next.config.js', 'proxy.ts'].map((f) => statSync(path.join(root, f)).mtimeMs),
  );
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
      const srv = createServer()
        .once('error', () => resolve(false))
        .once('listening', () => srv.close(() => resolve(true)));
      srv.listen(port, server.host);
    });
    if (ok) return port;
  }
  throw new Error(`No free port between ${preferred} and ${preferred + 49}.`);
}

const port = await freePort(server.port ?? 3000);
const shown = isWildcard(server.host) ? 'localhost' : server.host.includes(':') ? `[${server.host}]` : server.host;
console.log(`\nDossier is starting at http://${shown}:${port}\n`);
if (!isLoopback(server.host)) {
  const line = '!'.repeat(78);
  console.warn(
    `${line}\n! Listening on ${server.host}, not only on this machine: anyone who can reach it on the\n! network can read the whole collection and ask questions of it.`,
  );
  console.warn(
    server.accessToken
      ? '! DOSSIER_ACCESS_TOKEN is set: requests without it are refused.'
      : '! Set DOSSIER_ACCESS_TOKEN (for example `openssl rand -hex 32`) so that only people who have the\n! token can use it, or leave HOST/DOSSIER_HOST unset to serve this machine only.',
  );
  console.warn(
    `! Requests must name this server by its address; add other names (a reverse proxy's) to\n! DOSSIER_ALLOWED_HOSTS.\n${line}\n`,
  );
}
// PORT and DOSSIER_HOST tell the proxy which Host header values name this server.
const child = spawn(bin('next'), [mode, '-H', server.host, '-p', String(port)], {
  stdio: 'inherit',
  cwd: root,
  env: { ...env, DOSSIER_HOST: server.host, PORT: String(port) },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
