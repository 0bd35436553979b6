/**
 * Adding and removing articles in the app, in Chromium against the production server: files
 * dropped into the panel (page, PDF, feed, a scanned PDF, a hostile page) and a pasted link each
 * show their outcome, become answerable without a restart, stay inert, and can be removed to the
 * trash. Also the API's refusals. Screenshot of the panel: test-output/screenshots/add-articles.png.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parseConfig } from '@/lib/config';
import { authorize, libraryAccess } from '@/lib/fetch/access';
import { ingest } from '@/lib/ingest';
import { ROOT, testConfig } from '@/test/helpers';
import { launchChromium } from '@/scripts/lib/browser';
import { startServer, type RunningServer } from '@/scripts/lib/server';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'formats');
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');

const cfg = await testConfig({}, { copyCorpus: false });
await mkdir(cfg.corpusDir, { recursive: true });
await writeFile(
  path.join(cfg.corpusDir, 'harbour-notes.md'),
  '# Harbour notes\n\nThe harbour board meets monthly in the old customs house on Quay Street.\n',
);
await ingest(cfg);

let server: RunningServer;
let browser: Browser;
let pages: Server;
let pagesUrl: string;

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  const orchard = await readFile(path.join(FIXTURES, 'orchard-blog.html'));
  pages = createServer((req, res) => {
    if (req.url === '/2024/09/frost-apricot-blossom') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(orchard);
      return;
    }
    res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
    res.end();
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  const launching = launchChromium();
  server = await startServer({
    DOSSIER_CORPUS_DIR: cfg.corpusDir,
    DOSSIER_INDEX_DIR: cfg.indexDir,
    DOSSIER_EMBEDDING_MODEL: 'none',
    DOSSIER_HOST: '127.0.0.1',
    DOSSIER_FETCH_ALLOW_LOOPBACK: 'true',
    DOSSIER_ENGINE: 'local',
  });
  browser = await launching;
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise<void>((resolve) => {
    pages?.close(() => resolve());
    pages?.closeAllConnections();
  });
});

async function settled(page: Page, count: number) {
  await page.waitForFunction(
    (n) => {
      const items = [...document.querySelectorAll('[data-testid="add-item"]')];
      return items.length >= n && items.every((i) => i.getAttribute('data-state') !== 'busy');
    },
    count,
    { timeout: 60_000 },
  );
  return page.$$eval('[data-testid="add-item"]', (items) =>
    Object.fromEntries(
      items.map((i) => [i.querySelector('.name')!.textContent, { state: i.getAttribute('data-state'), text: i.textContent }]),
    ),
  );
}

const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);

test('files dropped into the panel go in (or say why not), are answerable without a restart, stay inert, and can be removed', {
  timeout: 240_000,
}, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  assert.match(await page.getByTestId('add-access').innerText(), /Open: this server only listens on this computer/);

  const files = ['harbour-bridge.html', 'water-report.pdf', 'ledger-feed.xml', 'scanned-letter.pdf', 'hostile-page.html'];
  await page.getByTestId('file-input').setInputFiles(files.map((f) => path.join(FIXTURES, f)));
  // Progress is shown while the files go in.
  await page.waitForSelector('[data-testid="add-item"][data-state="busy"]');
  const outcome = await settled(page, files.length);
  for (const f of ['harbour-bridge.html', 'water-report.pdf', 'ledger-feed.xml', 'hostile-page.html'])
    assert.equal(outcome[f]?.state, 'ok', `${f}: ${outcome[f]?.text}`);
  assert.equal(outcome['scanned-letter.pdf']?.state, 'failed');
  assert.match(outcome['scanned-letter.pdf']!.text!, /no text layer \(a scanned PDF/);
  assert.match(outcome['ledger-feed.xml']!.text!, /Lighthouse keeper's cottage becomes a museum/);

  await page.getByTestId('links-input').fill(`${pagesUrl}/2024/09/frost-apricot-blossom\n${pagesUrl}/to-metadata`);
  await page.getByRole('button', { name: 'Add links' }).click();
  const links = await settled(page, files.length + 2);
  assert.equal(links[`${pagesUrl}/2024/09/frost-apricot-blossom`]?.state, 'ok');
  assert.match(links[`${pagesUrl}/to-metadata`]!.text!, /169\.254\.169\.254 is a private or local address/);

  const library = page.getByTestId('library');
  await library.getByText('Harbour bridge reopens after eleven months of repairs').waitFor();
  for (const t of [
    'Tarrow Valley Water Authority annual report',
    'Oyster farmers report record spring harvest',
    'Frost wipes out early apricot blossom across the Tarrow valley',
  ])
    await library.getByText(t).waitFor();
  await page.locator('.add').screenshot({ path: path.join(SHOTS, 'add-articles.png') });
  await page.screenshot({ path: path.join(SHOTS, 'add-articles-page.png') });

  // Answerable at once, citing the page, the PDF and a feed item.
  for (const [question, docId] of [
    ['How much did the harbour bridge repairs cost?', 'harbour-bridge'],
    ['How much storage did raising the Elsing dam wall add?', 'water-report'],
    ['How many oysters were harvested in Brisk Bay in March?', 'ledger-feed-oyster-harvest'],
  ]) {
    const res = await fetch(`${server.url}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    });
    const json = (await res.json()) as { citations: { docId: string }[] };
    assert.ok(
      json.citations.some((c) => c.docId === docId),
      `${question} cites ${docId}`,
    );
  }

  // The hostile page shows as text in the library and the viewer; nothing in it runs.
  await page.goto(`${server.url}/documents/hostile-page`);
  assert.match(await page.getByTestId('document-text').innerText(), /the markup <script>window\.__pwned=14<\/script> pasted/);
  assert.equal(
    await page
      .locator('[data-testid="document-text"] img, [data-testid="document-text"] iframe, [data-testid="document-text"] svg')
      .count(),
    0,
  );
  await page.goto(`${server.url}/documents/water-report`);
  assert.deepEqual(await page.getByTestId('page-mark').allInnerTexts(), ['p. 1', 'p. 2', 'p. 3']);
  await page.goto(server.url);
  assert.equal(await pwned(page), undefined);

  page.once('dialog', (d) => void d.accept());
  const hostileEntry = page.getByTestId('library').locator('li', { hasText: 'Quillfeather council minutes' });
  await hostileEntry.getByTestId('remove-article').click();
  await hostileEntry.waitFor({ state: 'detached', timeout: 60_000 });
  assert.ok(!(await readdir(cfg.corpusDir)).includes('hostile-page.html'), 'the file left the corpus');
  const trashed = (await readdir(path.join(cfg.indexDir, 'trash'), { recursive: true })).map(String);
  assert.ok(
    trashed.some((f) => f.endsWith('hostile-page.html')),
    'it is in the trash, not deleted',
  );
  assert.ok(
    trashed.some((f) => f.endsWith('scanned-letter.pdf')),
    'an upload that gave no article went to the trash',
  );
  assert.equal(await pwned(page), undefined);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the API refuses with a sentence: no action header, unknown fields, bad types, too many links', async () => {
  const post = (body: BodyInit, headers: Record<string, string>) => fetch(`${server.url}/api/documents`, { method: 'POST', body, headers });
  const json = { 'content-type': 'application/json', 'x-dossier-action': 'test' };
  let res = await post(JSON.stringify({ urls: ['https://example.com/'] }), { 'content-type': 'application/json' });
  assert.equal(res.status, 403);
  assert.match((await res.json()).error, /needs the x-dossier-action header/);
  res = await post(JSON.stringify({ urls: ['x'], extra: 1 }), json);
  assert.equal(res.status, 400);
  assert.match((await res.json()).error, /Unknown field "extra"/);
  res = await post(JSON.stringify({ urls: Array(21).fill('https://example.com/') }), json);
  assert.match((await res.json()).error, /at most 20 links/);
  res = await post('hello', { ...json, 'content-type': 'text/plain' });
  assert.equal(res.status, 415);
  const form = new FormData();
  form.append('files', new Blob([new Uint8Array([137, 80, 78, 71, 13, 10])]), 'picture.png');
  res = await post(form, { 'x-dossier-action': 'test' });
  assert.equal(res.status, 200);
  assert.deepEqual((await res.json()).outcomes, [
    { source: 'picture.png', status: 'failed', reason: 'it is not a web page, PDF, feed, Markdown or text file', documents: [] },
  ]);
  res = await fetch(`${server.url}/api/documents/no-such-article`, { method: 'DELETE', headers: { 'x-dossier-action': 'test' } });
  assert.equal(res.status, 404);
});

test('access: a token when one is set, open only on a loopback-bound server, closed otherwise', () => {
  const req = (headers: Record<string, string>) =>
    new Request('http://x/api/documents', { method: 'POST', headers: { 'x-dossier-action': 'test', ...headers } });
  assert.equal(libraryAccess(parseConfig({})), 'open', 'the default bind address is loopback: open');
  assert.equal(libraryAccess(parseConfig({ HOST: '0.0.0.0' })), 'closed');
  assert.equal(libraryAccess(parseConfig({ DOSSIER_HOST: '127.0.0.1' })), 'open');
  assert.equal(libraryAccess(parseConfig({ DOSSIER_HOST: '::1' })), 'open');
  assert.throws(() => authorize(req({}), parseConfig({ HOST: '0.0.0.0' })), /turned off/);
  const withToken = parseConfig({ DOSSIER_HOST: '0.0.0.0', DOSSIER_ADMIN_TOKEN: 'a-long-enough-secret-token' });
  assert.throws(() => authorize(req({}), withToken), /needs the access token/);
  assert.throws(() => authorize(req({ authorization: 'Bearer wrong' }), withToken), /token is wrong/);
  assert.doesNotThrow(() => authorize(req({ authorization: 'Bearer a-long-enough-secret-token' }), withToken));
  assert.throws(() => parseConfig({ DOSSIER_ADMIN_TOKEN: 'short' }), /DOSSIER_ADMIN_TOKEN must be at least 16 characters/);
});
