/**
 * Exposure and secrets (issue 8, items 6–8), against the production build: which host names,
 * methods, content types and tokens the server accepts, the headers it sends, credentials that must
 * never reach a page or a reply, questions that say nothing, malformed addresses, and the default
 * bind address of `npm start`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { rm, truncate } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { ConfigError, parseConfig, type ServerConfig } from '@/lib/config';
import { describeError } from '@/lib/ai/call';
import { describeLlm } from '@/lib/ai/provider';
import { httpLoad } from '@/scripts/lib/bench/http-load';
import { hostAllowed } from '@/lib/http/access';
import { redactUrl } from '@/lib/http/redact';
import { askSchema } from '@/lib/http/schemas';
import { loadSnapshot } from '@/lib/store/local/snapshot';
import { ingest } from '@/lib/ingest';
import { ROOT, testConfig } from '@/test/helpers';
import { closedPort, startFakeLlm, type FakeLlm } from '@/test/support/fake-llm-server';
import { ensureProductionBuild, freePort, startServer, type RunningServer } from '@/scripts/lib/server';

const QUESTION = 'When did Vietnam and Japan establish diplomatic relations?';
const DOC = 'thuong-kishida-talks-in-tokyo';
const TOKEN = 'correct-horse-battery-staple-42';
const API_KEY = 'sk-echoed-secret-4242';

type Reply = { status: number; headers: http.IncomingHttpHeaders; text: string };

/** A request with exactly these headers (fetch may not set Host, and always sends a content type with a string body). */
function raw(base: string, method: string, pathname: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname,
        port,
        method,
        path: pathname,
        headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        let text = '';
        res
          .setEncoding('utf8')
          .on('data', (d) => {
            text += d;
          })
          .on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };

// Private corpus copies and index folders, made at the top level so that they live (and are
// removed) with the file rather than with a hook.
const startCfg = await testConfig({ DOSSIER_EMBEDDING_MODEL: 'none' });
const defaultCfg = await testConfig({ DOSSIER_EMBEDDING_MODEL: 'none' });
const tokenCfg = await testConfig({ DOSSIER_EMBEDDING_MODEL: 'none' });

/** A JSON `{error}` reply holding one sentence. */
function assertRefused(r: Reply, status: number, pattern?: RegExp): string {
  assert.equal(r.status, status, r.text.slice(0, 300));
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const body = JSON.parse(r.text);
  assert.deepEqual(Object.keys(body), ['error']);
  assert.match(body.error, /^\S.{5,}[.!?]$/);
  if (pattern) assert.match(body.error, pattern);
  return body.error;
}

function assertSecurityHeaders(r: Reply, what: string) {
  const policy = String(r.headers['content-security-policy'] ?? '');
  assert.match(policy, /frame-ancestors 'none'/, `${what}: frame-ancestors`);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(r.headers['referrer-policy'], 'no-referrer', `${what}: referrer policy`);
}

/** A page's policy allows only this response's scripts: a fresh nonce on every script tag, nothing inline otherwise. */
function assertNoncePolicy(r: Reply, what: string): string {
  assertSecurityHeaders(r, what);
  const policy = String(r.headers['content-security-policy']);
  const scriptSrc = /script-src ([^;]*)/.exec(policy)?.[1] ?? '';
  assert.doesNotMatch(scriptSrc, /unsafe-inline|\*|https?:/, `${what}: no inline or foreign scripts`);
  assert.match(policy, /script-src-attr 'none'/, `${what}: no inline event handlers`);
  const nonce = /'nonce-([^']+)'/.exec(scriptSrc)?.[1];
  assert.ok(nonce, `${what}: a nonce`);
  const scripts = [...r.text.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  assert.ok(scripts.length > 0, `${what}: the page has scripts`);
  for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), `${what}: ${tag.slice(0, 120)} carries the nonce`);
  return nonce;
}

test('URLs are shown without credentials, and a failed model call never repeats what the provider sent', () => {
  assert.equal(redactUrl('http://user:hunter2@llm.internal:8080/v1'), 'http://***@llm.internal:8080/v1');
  assert.equal(
    redactUrl('https://gw.example/v1?api_key=abc&model=x&access_token=t'),
    'https://gw.example/v1?api_key=***&model=x&access_token=***',
  );
  assert.equal(redactUrl('http://127.0.0.1:11434/v1'), 'http://127.0.0.1:11434/v1');
  const llm = { provider: 'openai-compatible', baseURL: 'http://user:hunter2@llm.internal/v1', model: 'm', timeoutMs: 1000 } as const;
  assert.equal(describeLlm(llm), 'm at http://***@llm.internal/v1');
  // What the AI SDK throws when a gateway answers with text that echoes the request.
  const parse = Object.assign(
    new Error(`JSON parsing failed: Text: Received POST with authorization: Bearer ${API_KEY}.\nError message: Unexpected token`),
    { name: 'AI_JSONParseError' },
  );
  const refused = Object.assign(
    new Error(`Request cannot be constructed from a URL that includes credentials: http://user:hunter2@llm.internal/v1/chat/completions`),
    { name: 'TypeError' },
  );
  const unreachable = Object.assign(new Error('Cannot connect to API: connect ECONNREFUSED'), {
    url: 'http://user:hunter2@llm.internal/v1/chat/completions',
    cause: { code: 'ECONNREFUSED' },
  });
  for (const e of [parse, refused, unreachable]) {
    const reason = describeError(e);
    assert.doesNotMatch(reason, /hunter2|Bearer|sk-/, reason);
  }
  assert.equal(describeError(unreachable), 'ECONNREFUSED at http://***@llm.internal/v1/chat/completions');
});

test('the exposure settings are validated where the others are, with a sentence naming the variable', () => {
  const server = parseConfig({}).server;
  assert.equal(server.host, '127.0.0.1', 'loopback unless told otherwise');
  assert.equal(server.accessToken, undefined);
  assert.equal(parseConfig({ HOST: '0.0.0.0' }).server.host, '0.0.0.0');
  assert.equal(parseConfig({ HOST: '0.0.0.0', DOSSIER_HOST: '::1' }).server.host, '::1');
  assert.deepEqual(parseConfig({ DOSSIER_ALLOWED_HOSTS: 'Dossier.Example, 10.0.0.5:3000' }).server.allowedHosts, [
    'dossier.example',
    '10.0.0.5:3000',
  ]);
  for (const [env, message] of [
    [{ DOSSIER_HOST: 'http://0.0.0.0' }, /DOSSIER_HOST must be a host name or address/],
    [{ HOST: 'my machine' }, /HOST must be a host name or address/],
    [{ DOSSIER_ACCESS_TOKEN: 'short' }, /DOSSIER_ACCESS_TOKEN must be at least 16 characters/],
    [{ DOSSIER_ACCESS_TOKEN: 'a token with spaces in it' }, /DOSSIER_ACCESS_TOKEN must be printable ASCII without spaces/],
    [{ DOSSIER_ALLOWED_HOSTS: 'ok.example,http://bad/' }, /DOSSIER_ALLOWED_HOSTS must be a comma-separated list of host names/],
    [{ PORT: '70000' }, /PORT must be at most 65535/],
  ] as [Record<string, string>, RegExp][]) {
    assert.throws(
      () => parseConfig(env),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(env),
    );
  }
});

test('Host headers: the bound names with the server port, or an allowed name; nothing else', () => {
  const loopback: ServerConfig = { host: '127.0.0.1', port: 3000, allowedHosts: ['dossier.example', 'gw.example:8443'] };
  for (const ok of [
    '127.0.0.1:3000',
    'localhost:3000',
    'LOCALHOST:3000',
    '[::1]:3000',
    'dossier.example',
    'dossier.example:443',
    'gw.example:8443',
  ])
    assert.ok(hostAllowed(ok, loopback), ok);
  for (const bad of [
    null,
    '',
    'evil.example:3000',
    '127.0.0.1:3001',
    'localhost',
    'gw.example',
    'gw.example:443',
    'localhost.evil.example:3000',
    '127.0.0.1:3000 ',
    '127.0.0.1:3000/x',
    'a@127.0.0.1:3000',
  ])
    assert.ok(!hostAllowed(bad, loopback), String(bad));
  const lan: ServerConfig = { host: '192.0.2.7', port: 80, allowedHosts: [] };
  assert.ok(hostAllowed('192.0.2.7', lan));
  assert.ok(!hostAllowed('localhost', lan), 'not bound to loopback, so not reachable as localhost');
});

test('a question must contain a letter or a digit (the rule the API and the CLI share)', () => {
  for (const nothing of ['\u200B\u200D\uFEFF', '\u2066\u2069\u202E', '🔥🔥 👩‍👩‍👧‍👦', '?!…', '\u0000 \u200B']) {
    const r = askSchema.safeParse({ question: nothing });
    assert.ok(!r.success, JSON.stringify(nothing));
    assert.match(r.error.issues[0]!.message, /question must (contain a letter or a digit|not be empty)/);
  }
  for (const fine of ['Kishida?', '2023', 'Hà Nội', 'متى', '🇻🇳 and 🇯🇵 ties?'])
    assert.ok(askSchema.safeParse({ question: fine }).success, fine);
});

test('npm start binds to loopback unless HOST says otherwise', async () => {
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  const cfg = startCfg;
  await ensureProductionBuild();
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs'), 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '',
      DOSSIER_HOST: '',
      DOSSIER_CORPUS_DIR: cfg.corpusDir,
      DOSSIER_INDEX_DIR: cfg.indexDir,
      DOSSIER_EMBEDDING_MODEL: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout!.on('data', (d) => {
    log += d;
  });
  child.stderr!.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 60_000;
    while (!/Ready/.test(log)) {
      assert.ok(child.exitCode === null && Date.now() < deadline, `npm start did not come up:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(log, new RegExp(`Dossier is starting at http://127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(log, /anyone who can reach it/);
    assert.equal((await raw(`http://127.0.0.1:${port}`, 'GET', '/api/status')).status, 200);
    if (lan) await assert.rejects(raw(`http://${lan}:${port}`, 'GET', '/api/status'), /ECONNREFUSED/, `not reachable on ${lan}`);
  } finally {
    // Its own process group: start.mjs and the next server it started.
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
});

describe('a production server with default settings and an LLM URL holding credentials', () => {
  let server: RunningServer;
  const cfg = defaultCfg;
  let port: string;
  const get = (pathname: string, headers: Record<string, string> = {}) => raw(server.url, 'GET', pathname, headers);
  const post = (pathname: string, body: unknown, headers: Record<string, string> = JSON_TYPE) =>
    raw(server.url, 'POST', pathname, headers, JSON.stringify(body));

  before(
    async () => {
      await ingest(cfg);
      server = await startServer({
        DOSSIER_CORPUS_DIR: cfg.corpusDir,
        DOSSIER_INDEX_DIR: cfg.indexDir,
        DOSSIER_EMBEDDING_MODEL: 'none',
        DOSSIER_ENGINE: 'local',
        DOSSIER_LLM_PROVIDER: 'openai-compatible',
        DOSSIER_LLM_BASE_URL: `http://admin:hunter2@127.0.0.1:${await closedPort()}/v1?api_key=hunter3`,
        DOSSIER_LLM_MODEL: 'fake-model',
        DOSSIER_LLM_TIMEOUT_MS: '3000',
      });
      port = new URL(server.url).port;
    },
    { timeout: 5 * 60_000 },
  );
  after(() => server?.stop());

  test('a fresh server, 32 keep-alive clients through the proxy: no connection errors, every answer 200', async () => {
    const questions = [QUESTION, 'What did Kishida and Thuong agree in Tokyo?', 'How much were the yen loans this fiscal year?'];
    const load = await httpLoad({
      url: `${server.url}/api/ask`,
      method: 'POST',
      body: (i) => JSON.stringify({ question: questions[i % questions.length] }),
      connections: 32,
      durationMs: 60_000,
      maxRequests: 320,
    });
    assert.equal(load.errors, 0);
    assert.equal(load.non2xx, 0);
    assert.equal(load.requests, 320);
  });

  test('only the bound names with the right port are answered (no DNS rebinding)', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
      assert.equal((await get('/api/status', { host })).status, 200, host);
    for (const host of [`rebind.attacker.example:${port}`, `127.0.0.1:${Number(port) + 1}`, 'localhost']) {
      for (const pathname of ['/api/status', '/', `/documents/${DOC}`, `/api/documents/${DOC}`]) {
        const r = await get(pathname, { host });
        assertRefused(r, 421, /host name/);
        assertSecurityHeaders(r, `${host} ${pathname}`);
        assert.doesNotMatch(r.text, /Vietnam|Kishida/);
      }
    }
    assertRefused(await post('/api/ask', { question: QUESTION }, { ...JSON_TYPE, host: `rebind.attacker.example:${port}` }), 421);
  });

  test('POST bodies must be declared JSON, so a page elsewhere cannot send a "simple" cross-origin request', async () => {
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      '',
    ]) {
      const headers: Record<string, string> = type ? { 'content-type': type } : {};
      for (const route of ['/api/ask', '/api/chat', '/api/brief'])
        assertRefused(await post(route, { question: QUESTION }, headers), 415, /Content-Type: application\/json/);
    }
    assert.equal((await post('/api/ask', { question: QUESTION }, { 'content-type': 'application/json; charset=utf-8' })).status, 200);
  });

  test('pages allow only their own nonce-tagged scripts; every reply carries the security headers', async () => {
    const first = assertNoncePolicy(await get('/'), '/');
    assert.notEqual(assertNoncePolicy(await get('/'), '/ again'), first, 'a fresh nonce per response');
    assertNoncePolicy(await get(`/documents/${DOC}?highlight=0-40`), 'a document page');
    const missing = await get('/no-such-page');
    assert.equal(missing.status, 404);
    assertNoncePolicy(missing, 'the 404 page');
    for (const pathname of ['/api/status', `/api/documents/${DOC}`, '/api/search?q=Kishida'])
      assertSecurityHeaders(await get(pathname), pathname);
    assertSecurityHeaders(await post('/api/ask', { question: QUESTION }), '/api/ask');
  });

  test('methods a route does not take get a JSON sentence', async () => {
    assertRefused(await post('/api/status', {}), 405, /only answers GET/);
    assertRefused(await post(`/api/documents/${DOC}`, {}), 405, /only answers GET/);
    assertRefused(await post('/api/search?q=x', {}), 405, /only answers GET/);
    for (const route of ['/api/ask', '/api/chat', '/api/brief']) assertRefused(await get(route), 405, /only answers POST/);
    // Not TRACE: `next start` cannot build a fetch Request for it, so it fails before any app code runs.
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const route of ['/', '/api/status', '/api/ask']) {
        const r = await raw(server.url, method, route);
        assertRefused(r, 405, /method is not served here/);
        assert.equal(r.headers.allow, 'GET, HEAD, POST');
      }
    }
  });

  test('malformed % escapes: a JSON 400 under /api, the 404 page elsewhere', async () => {
    for (const pathname of ['/api/documents/%', '/api/documents/%E0%A4%A', '/api/search%zz?q=x'])
      assertRefused(await get(pathname), 400, /%/);
    for (const pathname of ['/documents/%', '/documents/100%', '/%']) {
      const r = await get(pathname);
      assert.equal(r.status, 404, pathname);
      assert.match(r.text, /Not found/);
      assertNoncePolicy(r, pathname);
    }
  });

  test('questions of zero-width characters, emoji or punctuation only are refused like empty ones', async () => {
    const userMessage = (text: string) => ({ messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text }] }] });
    for (const nothing of ['\u200B\u200C\u200D\u2060\uFEFF', '\u202E\u2066\u2069', '🔥🔥🔥 👩‍👩‍👧‍👦', '?? … !!']) {
      assertRefused(await post('/api/ask', { question: nothing }), 400, /question must contain a letter or a digit/);
      assertRefused(await post('/api/chat', userMessage(nothing)), 400, /question must contain a letter or a digit/);
      assertRefused(await get(`/api/search?q=${encodeURIComponent(nothing)}`), 400, /q must contain a letter or a digit/);
    }
  });

  test('credentials in the LLM URL reach neither the page, nor /api/status, nor an answer', async () => {
    const status = JSON.parse((await get('/api/status')).text);
    assert.match(status.llm, /^fake-model at http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1\?api_key=\*\*\*$/);
    const page = (await get('/')).text;
    assert.match(page, /fake-model at http:\/\/\*\*\*@127\.0\.0\.1/);
    const answer = JSON.parse((await post('/api/ask', { question: QUESTION, engine: 'llm' })).text);
    assert.ok(answer.warnings.length > 0, 'the failed model call is reported');
    for (const text of [JSON.stringify(status), page, JSON.stringify(answer)]) assert.doesNotMatch(text, /hunter[23]|admin:/);
  });

  test("a missing or damaged index: the sentence without the server's folders, and the document page shows it", async () => {
    await ingest(cfg, { rebuild: true });
    await truncate(path.join((await loadSnapshot(cfg.indexDir))!.dir, 'index.bin'), 100);
    const page = await get(`/documents/${DOC}`);
    assert.notEqual(page.status, 500);
    assert.match(page.text, /The index is damaged.*`npm run ingest/);
    await rm(path.join(cfg.indexDir, 'CURRENT'));
    for (const pathname of ['/api/status', `/api/documents/${DOC}`, '/api/search?q=Kishida']) {
      const message = assertRefused(await get(pathname), 503);
      assert.equal(message, 'No index found. Run `npm run ingest` to build it.');
    }
    const noIndexPage = await get(`/documents/${DOC}`);
    assert.match(noIndexPage.text, /No index found. Run <!-- -->?`npm run ingest`|No index found\. Run `npm run ingest`/);
    for (const text of [noIndexPage.text, (await get('/')).text])
      assert.ok(!text.includes(cfg.indexDir) && !text.includes(ROOT), 'no server path');
  });
});

describe('a production server with an access token, an extra host name and an LLM gateway that echoes the key', () => {
  let server: RunningServer;
  let fake: FakeLlm;
  let port: string;
  const bearer = { authorization: `Bearer ${TOKEN}` };

  before(
    async () => {
      fake = await startFakeLlm();
      fake.script(() => ({ kind: 'echo' }));
      const cfg = tokenCfg;
      await ingest(cfg);
      server = await startServer({
        DOSSIER_CORPUS_DIR: cfg.corpusDir,
        DOSSIER_INDEX_DIR: cfg.indexDir,
        DOSSIER_EMBEDDING_MODEL: 'none',
        DOSSIER_ACCESS_TOKEN: TOKEN,
        DOSSIER_ALLOWED_HOSTS: 'dossier.example',
        DOSSIER_LLM_PROVIDER: 'openai-compatible',
        DOSSIER_LLM_BASE_URL: fake.baseURL,
        DOSSIER_LLM_MODEL: 'fake-model',
        DOSSIER_LLM_API_KEY: API_KEY,
        DOSSIER_LLM_TIMEOUT_MS: '3000',
      });
      port = new URL(server.url).port;
    },
    { timeout: 5 * 60_000 },
  );
  after(async () => {
    await server?.stop();
    await fake?.close();
  });

  test('without the token every page and endpoint answers 401; with it, as usual', async () => {
    for (const pathname of ['/', `/documents/${DOC}`, '/api/status', `/api/documents/${DOC}`, '/api/search?q=Kishida', '/no-such-page']) {
      const r = await raw(server.url, 'GET', pathname);
      assertRefused(r, 401, /access token/);
      assert.doesNotMatch(r.text, /Kishida|Vietnam/);
      assertRefused(await raw(server.url, 'GET', pathname, { authorization: `Bearer ${TOKEN}x` }), 401);
      assertRefused(await raw(server.url, 'GET', pathname, { cookie: `dossier_token=${TOKEN.slice(0, -1)}` }), 401);
    }
    assertRefused(await raw(server.url, 'POST', '/api/ask', JSON_TYPE, JSON.stringify({ question: QUESTION })), 401);
    assert.equal((await raw(server.url, 'GET', '/api/status', bearer)).status, 200);
    assert.equal(
      (await raw(server.url, 'POST', '/api/ask', { ...JSON_TYPE, ...bearer }, JSON.stringify({ question: QUESTION, engine: 'local' })))
        .status,
      200,
    );
  });

  test('a browser opens /?token= once and gets a cookie; the token leaves the address', async () => {
    assertRefused(await raw(server.url, 'GET', '/?token=wrong-token-of-some-length'), 401);
    const r = await raw(server.url, 'GET', `/documents/${DOC}?highlight=0-40&token=${TOKEN}`);
    assert.equal(r.status, 303);
    assert.equal(new URL(r.headers.location!, server.url).search, '?highlight=0-40');
    const cookie = String(r.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=lax/i);
    const sent = cookie.split(';')[0]!;
    const page = await raw(server.url, 'GET', `/documents/${DOC}`, { cookie: sent });
    assert.equal(page.status, 200);
    assert.match(page.text, /Kishida/);
    assert.equal((await raw(server.url, 'GET', '/api/status', { cookie: sent })).status, 200);
  });

  test('an allowed host name is answered, other names are not', async () => {
    assert.equal((await raw(server.url, 'GET', '/api/status', { ...bearer, host: 'dossier.example' })).status, 200);
    assertRefused(await raw(server.url, 'GET', '/api/status', { ...bearer, host: `evil.example:${port}` }), 421);
  });

  test('a provider reply that echoes the API key never reaches the answer', async () => {
    const r = await raw(server.url, 'POST', '/api/ask', { ...JSON_TYPE, ...bearer }, JSON.stringify({ question: QUESTION, engine: 'llm' }));
    assert.equal(r.status, 200, r.text);
    const answer = JSON.parse(r.text);
    assert.ok(fake.requests.length > 0, 'the gateway was called');
    assert.ok(answer.warnings.length > 0, `the failure is reported: ${r.text.slice(0, 300)}`);
    assert.doesNotMatch(r.text, new RegExp(`${API_KEY}|Bearer|authorization`, 'i'));
    const brief = await raw(
      server.url,
      'POST',
      '/api/brief',
      { ...JSON_TYPE, ...bearer },
      JSON.stringify({ topic: 'defence', engine: 'llm' }),
    );
    assert.equal(brief.status, 200);
    assert.doesNotMatch(brief.text, new RegExp(`${API_KEY}|Bearer`, 'i'));
  });
});
