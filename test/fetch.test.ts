/**
 * Fetching links: public addresses only (after resolution and on every redirect), bounded
 * redirects, size and content type, and `npm run add` keeping what it fetched under a stable name.
 * The fixture server runs on 127.0.0.1, so these tests opt in to loopback (and loopback only).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseConfig } from '@/lib/config';
import { isPermittedAddress } from '@/lib/fetch/address';
import { fetchDocument } from '@/lib/fetch/fetch';
import { indexAndDescribe, saveLink } from '@/lib/fetch/links';
import { ROOT, testConfig } from './helpers';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'formats');
const policy = { allowLoopback: true, timeoutMs: 5000 };
let server: Server;
let base: string;
let pageHits = 0;

before(async () => {
  const page = await readFile(path.join(FIXTURES, 'harbour-bridge.html'));
  const pdf = await readFile(path.join(FIXTURES, 'water-report.pdf'));
  const feed = await readFile(path.join(FIXTURES, 'ledger-feed.xml'), 'utf8');
  server = createServer((req, res) => {
    const url = new URL(req.url!, base);
    const send = (type: string, body: Buffer | string, headers: Record<string, string> = {}) => {
      res.writeHead(200, { 'content-type': type, ...headers });
      res.end(body);
    };
    switch (url.pathname) {
      case '/news/harbour-bridge-reopens':
        pageHits++;
        return send('text/html; charset=utf-8', page);
      case '/gzipped':
        return send('text/html', gzipSync(page), { 'content-encoding': 'gzip' });
      case '/bomb':
        return send('text/html', gzipSync(Buffer.alloc(50 * 1024 * 1024, 32)), { 'content-encoding': 'gzip' });
      case '/report.pdf':
        return send('application/pdf', pdf);
      case '/feed.xml':
        return send('application/rss+xml', feed.replaceAll('https://ledger.example', base));
      case '/news/2024/04/02/lighthouse-museum':
        return send(
          'text/html',
          `<html><head><title>Museum</title></head><body><article><p>${"The lighthouse museum holds the keepers' logbooks from three generations. ".repeat(5)}</p></article></body></html>`,
        );
      case '/image.png':
        return send('image/png', Buffer.from([137, 80, 78, 71]));
      case '/lying.html':
        return send('text/html', Buffer.from([0, 1, 2, 3, 4, 5]));
      case '/to-metadata':
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        return res.end();
      case '/to-private':
        res.writeHead(301, { location: 'http://10.0.0.7/' });
        return res.end();
      case '/to-mapped':
        res.writeHead(302, { location: 'http://[::ffff:192.168.1.1]/' });
        return res.end();
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        return res.end();
      case '/slow':
        return void setTimeout(() => send('text/html', page), 3000);
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

test('address policy: public unicast only; loopback only when allowed, never 10/8, 172.16/12, 192.168/16, link-local or metadata', () => {
  for (const a of ['93.184.216.34', '2606:4700::1111']) assert.equal(isPermittedAddress(a), true, a);
  const refused = [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '2002:a00:1::1',
    '64:ff9b::a00:1',
    '224.0.0.1',
    'not an address',
  ];
  for (const a of refused) assert.equal(isPermittedAddress(a), false, a);
  assert.equal(isPermittedAddress('127.0.0.1', true), true);
  assert.equal(isPermittedAddress('::1', true), true);
  for (const a of ['10.1.2.3', '192.168.0.1', '169.254.169.254', 'fc00::1', '::ffff:10.0.0.1'])
    assert.equal(isPermittedAddress(a, true), false, `${a} stays refused with loopback allowed`);
});

test('fetches a page, a gzipped page, a PDF and a feed; the content is sniffed', async () => {
  const page = await fetchDocument(`${base}/news/harbour-bridge-reopens`, policy);
  assert.equal(page.format.name, 'html');
  assert.equal((await fetchDocument(`${base}/gzipped`, policy)).bytes.length, page.bytes.length);
  assert.equal((await fetchDocument(`${base}/report.pdf`, policy)).format.name, 'pdf');
  assert.equal((await fetchDocument(`${base}/feed.xml`, policy)).format.name, 'feed');
  await assert.rejects(fetchDocument(`${base}/image.png`, policy), /image\/png, not a web page, PDF or feed/);
  await assert.rejects(fetchDocument(`${base}/lying.html`, policy), /content is not a web page, PDF or feed/);
  await assert.rejects(fetchDocument(`${base}/missing`, policy), /answered 404/);
  await assert.rejects(
    fetchDocument(`${base}/bomb`, { ...policy, maxBytes: 5 * 1024 * 1024 }),
    /larger than 5 MB/,
    'decompressed size is bounded',
  );
  await assert.rejects(fetchDocument(`${base}/slow`, { ...policy, timeoutMs: 300 }), /did not answer within 0.3 s/);
});

test('SSRF: loopback, private and metadata addresses are refused, directly, by name and on redirect', async () => {
  const off = { ...policy, allowLoopback: false };
  await assert.rejects(fetchDocument(`${base}/news/harbour-bridge-reopens`, off), /127\.0\.0\.1 is a private or local address/);
  await assert.rejects(
    fetchDocument(`http://localhost:${new URL(base).port}/`, off),
    /localhost resolves to (127\.0\.0\.1|::1), a private or local address/,
  );
  for (const u of [
    'http://[::1]/',
    'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:127.0.0.1]/',
    'http://2130706433/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
  ]) {
    await assert.rejects(fetchDocument(u, off), /private or local address/, u);
  }
  // With loopback allowed for the fixture server, a redirect from it to anything private is still refused.
  await assert.rejects(fetchDocument(`${base}/to-metadata`, policy), /169\.254\.169\.254 is a private or local address/);
  await assert.rejects(fetchDocument(`${base}/to-private`, policy), /10\.0\.0\.7 is a private or local address/);
  await assert.rejects(fetchDocument(`${base}/to-mapped`, policy), /private or local address/);
  await assert.rejects(fetchDocument(`${base}/loop`, policy), /redirects more than 5 times/);
  await assert.rejects(fetchDocument('file:///etc/passwd', policy), /only http and https/);
  await assert.rejects(fetchDocument(`http://user:pw@127.0.0.1:${new URL(base).port}/`, policy), /user name or password/);
});

test('the loopback opt-in is an explicit setting, off by default', () => {
  assert.equal(parseConfig({}).library.fetch.allowLoopback, false);
  assert.equal(parseConfig({ DOSSIER_FETCH_ALLOW_LOOPBACK: 'true' }).library.fetch.allowLoopback, true);
  assert.throws(() => parseConfig({ DOSSIER_FETCH_ALLOW_LOOPBACK: 'sure' }), /DOSSIER_FETCH_ALLOW_LOOPBACK must be true or false/);
});

test('adding links: pages and feed items are kept as received under outlet/date-slug, indexed, and re-adding updates', async () => {
  // What scripts/add.ts does, in process (the app's test runs the script itself).
  const cfg = await testConfig({ DOSSIER_FETCH_ALLOW_LOOPBACK: 'true' }, { copyCorpus: false });
  const add = async (urls: string[], feeds: string[] = []) => {
    const results = [];
    for (const url of urls) results.push(...(await saveLink(cfg, url)));
    for (const url of feeds) results.push(...(await saveLink(cfg, url, 'feed')));
    return indexAndDescribe(cfg, results);
  };
  const first = await add([`${base}/news/harbour-bridge-reopens`, `${base}/report.pdf`], [`${base}/feed.xml`]);
  const byStatus = (s: string) => first.outcomes.filter((o) => o.status === s);
  assert.equal(byStatus('added').length, 3, JSON.stringify(first.outcomes));
  assert.deepEqual(
    byStatus('failed').map((o) => new URL(o.source).pathname),
    ['/news/2024/04/05/oyster-harvest', '/news/2024/04/09/parking-fees'],
    'feed items whose pages are missing are reported',
  );
  const files = (await readdir(cfg.corpusDir, { recursive: true }))
    .map(String)
    .filter((f) => f.includes('.'))
    .sort();
  assert.deepEqual(files, [
    '127-0-0-1/2024-03-14-harbour-bridge-reopens.html',
    '127-0-0-1/2024-03-14-harbour-bridge-reopens.html.source.json',
    '127-0-0-1/2024-04-02-lighthouse-museum.html',
    '127-0-0-1/2024-04-02-lighthouse-museum.html.source.json',
    '127-0-0-1/2024-05-20-report.pdf',
    '127-0-0-1/2024-05-20-report.pdf.source.json',
  ]);
  const museum = first.outcomes.find((o) => o.file?.includes('lighthouse'));
  assert.equal(museum?.documents[0]?.title, 'Museum', 'the page title wins over the feed item title');
  const sidecar = JSON.parse(await readFile(path.join(cfg.corpusDir, '127-0-0-1/2024-04-02-lighthouse-museum.html.source.json'), 'utf8'));
  assert.equal(sidecar.published, '2024-04-02', 'the feed item date is recorded for the page');
  assert.equal(sidecar.author, 'Tomasz Keane');
  const stored = await readFile(path.join(cfg.corpusDir, '127-0-0-1/2024-03-14-harbour-bridge-reopens.html'));
  assert.deepEqual(stored, await readFile(path.join(FIXTURES, 'harbour-bridge.html')), 'the page is kept byte for byte');

  const hits = pageHits;
  const again = await add([`${base}/news/harbour-bridge-reopens`]);
  assert.equal(pageHits, hits + 1);
  assert.equal(again.outcomes[0]?.status, 'unchanged');
  assert.equal(again.outcomes[0]?.file, '127-0-0-1/2024-03-14-harbour-bridge-reopens.html', 're-adding the same URL reuses its file');
  assert.equal((await readdir(path.join(cfg.corpusDir, '127-0-0-1'))).length, 6, 'no duplicate');
});
