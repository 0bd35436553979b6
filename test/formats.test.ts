/**
 * Reading web pages, PDFs and feeds: the article is extracted and the furniture dropped, metadata
 * comes from the page, PDF pages are kept, content is sniffed, and citations land in the
 * extracted text that the source viewer shows.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { answerOnce } from '@/lib/answer/answer';
import { extractHtml } from '@/lib/corpus/formats/html';
import { pageAt } from '@/lib/corpus/formats/pdf';
import { loadCorpus, readDocuments } from '@/lib/corpus/load';
import { ingest } from '@/lib/ingest';
import { getDocument } from '@/lib/library';
import { extractionQuality } from '@/scripts/extraction-quality';
import { ROOT, testConfig } from './helpers';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'formats');
const fixture = (name: string) => readFile(path.join(FIXTURES, name));

test('a news page: the article is kept, header, navigation, cookie banner, related links and comments are not', async () => {
  for (const q of await extractionQuality()) {
    assert.equal(q.kept, q.article, `${q.file}: every article paragraph is kept`);
    assert.equal(q.dropped, q.furniture, `${q.file}: every piece of furniture is dropped`);
  }
});

test('page metadata: JSON-LD NewsArticle first, then Open Graph and article: tags, then <title> and the canonical link', async () => {
  const news = extractHtml((await fixture('harbour-bridge.html')).toString());
  assert.equal(news.title, 'Harbour bridge reopens after eleven months of repairs');
  assert.equal(news.published, '2024-03-14');
  assert.equal(news.author, 'Mirela Oduya, Tomasz Keane');
  assert.equal(news.outlet, 'The Coastal Ledger');
  assert.equal(news.url, 'https://ledger.example/news/2024/03/14/harbour-bridge-reopens');
  const blog = extractHtml((await fixture('orchard-blog.html')).toString());
  assert.equal(blog.title, 'Frost wipes out early apricot blossom across the Tarrow valley');
  assert.equal(blog.published, '2024-09-02');
  assert.equal(blog.author, 'Ines Albrecht');
  assert.equal(blog.outlet, 'Valley Growers Journal');
  assert.equal(blog.url, 'https://growers.example/2024/09/frost-apricot-blossom');
  const bare = extractHtml(
    `<html><head><title>Plain title</title></head><body><article><p>${'A sentence about the weather in the hills today. '.repeat(8)}</p></article></body></html>`,
  );
  assert.equal(bare.title, 'Plain title');
});

test('a PDF keeps its text page by page; a scanned PDF without text is skipped with that reason', async () => {
  const [doc] = await readDocuments('water-report.pdf', await fixture('water-report.pdf'));
  assert.equal(doc!.format, 'pdf');
  assert.equal(doc!.title, 'Tarrow Valley Water Authority annual report');
  assert.equal(doc!.published, '2024-05-20');
  assert.equal(doc!.pages!.length, 3);
  const at = (s: string) => pageAt(doc!.pages!, doc!.body.indexOf(s));
  assert.equal(at('Elsing dam wall'), 1);
  assert.equal(at('Nitrate levels'), 2);
  assert.equal(at('Orrin Point'), 3);
  assert.match(
    doc!.body,
    /completed the raising of the Elsing dam wall in November, adding 14 million cubic metres/,
    'lines are joined into sentences',
  );
  await assert.rejects(readDocuments('scan.pdf', await fixture('scanned-letter.pdf')), /no text layer/);
});

test('a PDF whose compressed streams expand past 100 MB is refused before it is decoded', async () => {
  const bomb = deflateSync(Buffer.alloc(101 * 1024 * 1024, 32), { level: 9 });
  const pdf = Buffer.concat([
    await fixture('water-report.pdf'),
    Buffer.from(`\n99 0 obj\n<< /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`),
    bomb,
    Buffer.from('\nendstream\nendobj\n'),
  ]);
  assert.ok(pdf.length < 1024 * 1024, 'the file itself is small');
  await assert.rejects(readDocuments('bomb.pdf', pdf), /compressed content expands past 100 MB/);
});

test('a feed file expands into one article per item, from the content the feed carries', async () => {
  const docs = await readDocuments('ledger.xml', await fixture('ledger-feed.xml'));
  assert.deepEqual(
    docs.map((d) => d.title),
    [
      "Lighthouse keeper's cottage becomes a museum",
      'Oyster farmers report record spring harvest',
      'Council delays vote on beach parking fees',
    ],
  );
  assert.deepEqual(
    docs.map((d) => d.id),
    ['ledger-lighthouse-museum', 'ledger-oyster-harvest', 'ledger-parking-fees'],
  );
  assert.equal(docs[0]!.published, '2024-04-02');
  assert.equal(docs[0]!.author, 'Tomasz Keane');
  assert.equal(docs[0]!.outlet, 'The Coastal Ledger');
  assert.equal(docs[0]!.url, 'https://ledger.example/news/2024/04/02/lighthouse-museum');
  assert.match(docs[1]!.body, /4\.2 million oysters/);
  assert.doesNotMatch(docs[0]!.body, /<p>/, 'item markup becomes text');
  const atom = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title>
    <entry><title>Ferry fares rise</title><link href="https://wire.example/ferry-fares"/><id>urn:1</id><updated>2024-06-01T00:00:00Z</updated>
    <content type="html">&lt;p&gt;Ferry fares across the bay will rise by 8 percent in July.&lt;/p&gt;</content></entry></feed>`;
  const [entry] = await readDocuments('wire.atom', Buffer.from(atom));
  assert.equal(entry!.title, 'Ferry fares rise');
  assert.equal(entry!.body, 'Ferry fares across the bay will rise by 8 percent in July.');
});

test('content is sniffed, not trusted from the extension', async () => {
  const [pdfNamedHtml] = await readDocuments('report.html', await fixture('water-report.pdf'));
  assert.equal(pdfNamedHtml!.format, 'pdf', 'a PDF called .html is read as a PDF');
  await assert.rejects(
    readDocuments('fake.pdf', Buffer.from('just some words, not a PDF at all')),
    /named \.pdf but its content is not PDF/,
  );
  await assert.rejects(readDocuments('fake.xml', Buffer.from('<note><to>Tove</to></note>')), /not an RSS or Atom feed/);
  const [asText] = await readDocuments('notes.txt', await fixture('hostile-page.html'));
  assert.equal(asText!.format, undefined, 'a .txt file stays text whatever it contains');
});

test('a hostile page gives only text: no markup, no script survives extraction', async () => {
  const [doc] = await readDocuments('hostile.html', await fixture('hostile-page.html'));
  assert.match(doc!.body, /library roof, which will cost 2\.3 million dollars/);
  assert.match(doc!.body, /the markup <script>window\.__pwned=14<\/script> pasted/, 'markup quoted in the article is its text');
  assert.doesNotMatch(doc!.body, /<(?:img|iframe|svg)\b|onerror=|__pwned\s*=\s*1[0-35-9]/, 'nothing from live elements or attributes');
});

test('ingest takes pages, PDFs and feeds side by side; citations and highlights land inside the extracted text', async () => {
  const cfg = await testConfig({}, { copyCorpus: false });
  await mkdir(cfg.corpusDir, { recursive: true });
  for (const f of ['harbour-bridge.html', 'water-report.pdf', 'ledger-feed.xml', 'scanned-letter.pdf'])
    await copyFile(path.join(FIXTURES, f), path.join(cfg.corpusDir, f));
  await writeFile(path.join(cfg.corpusDir, 'notes.md'), '# Notes\n\nThe harbour board meets monthly in the old customs house.\n');
  const report = await ingest(cfg);
  assert.deepEqual(report.skipped, [
    { file: 'scanned-letter.pdf', reason: 'it has no text layer (a scanned PDF; text recognition is not supported)' },
  ]);
  assert.deepEqual(report.added.sort(), [
    'harbour-bridge',
    'ledger-feed-lighthouse-museum',
    'ledger-feed-oyster-harvest',
    'ledger-feed-parking-fees',
    'notes',
    'water-report',
  ]);

  const cases = [
    { q: 'How much did the harbour bridge repairs cost?', doc: 'harbour-bridge', fact: '48 million dollars' },
    { q: 'How much storage did raising the Elsing dam wall add?', doc: 'water-report', fact: '14 million cubic metres' },
    { q: 'How many oysters were harvested in Brisk Bay in March?', doc: 'ledger-feed-oyster-harvest', fact: '4.2 million oysters' },
  ];
  for (const c of cases) {
    const a = await answerOnce(cfg, [{ role: 'user', content: c.q }], { engine: 'local' });
    const citation = a.citations.find((x) => x.docId === c.doc);
    assert.ok(citation, `${c.q} cites ${c.doc}`);
    const shown = await getDocument(cfg, c.doc);
    const highlighted = citation.spans.map(([s, e]) => shown!.text.slice(s, e)).join(' ');
    assert.ok(highlighted.includes(c.fact), `the highlight in ${c.doc} holds "${c.fact}": ${highlighted}`);
  }
  const pdf = await getDocument(cfg, 'water-report');
  assert.deepEqual(pdf!.pages, [0, pdf!.text.indexOf('Water quality'), pdf!.text.indexOf('Outlook')], 'page starts survive the index');
  const page = await getDocument(cfg, 'harbour-bridge');
  assert.doesNotMatch(page!.text, /<|cookie/i, 'the source viewer gets the extracted article, not the page');

  // The feed file's items are re-read only when the feed changes.
  const again = await ingest(cfg);
  assert.equal(again.upToDate, true);
  const { documents } = await loadCorpus(cfg.corpusDir);
  assert.equal(documents.filter((d) => d.file === 'ledger-feed.xml').length, 3);

  // Once an item's page is in the corpus (as `npm run add` keeps it), the page stands for the item.
  const museum =
    '<html><head><title>Museum opens</title><link rel="canonical" href="https://ledger.example/news/2024/04/02/lighthouse-museum"></head><body><article><p>' +
    'The lighthouse museum holds the logbooks of three generations of keepers, and entry is free for children. '.repeat(4) +
    '</p></article></body></html>';
  await writeFile(path.join(cfg.corpusDir, 'museum.html'), museum);
  const withPage = (await loadCorpus(cfg.corpusDir)).documents.map((d) => d.id);
  assert.ok(withPage.includes('museum') && !withPage.includes('ledger-feed-lighthouse-museum'), withPage.join(', '));
  assert.ok(withPage.includes('ledger-feed-oyster-harvest'));
});
