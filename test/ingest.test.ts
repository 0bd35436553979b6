import assert from 'node:assert/strict';
import { appendFile, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { ingest } from '@/lib/ingest';
import { loadSnapshot } from '@/lib/store/local/snapshot';
import { snapshotContents } from './support/snapshot';
import { LocalSnapshotReader } from '@/lib/store/local/store';
import { retrieve } from '@/lib/retrieve/retrieve';
import { buildSearcher } from '@/lib/retrieve/searcher';
import { storedSentenceEmbedder } from '@/lib/retrieve/sentences';
import { rankSentences } from '@/lib/answer/sentences';
import type { Embedder } from '@/lib/embed/types';
import { openStore } from '@/lib/store/open';
import { hashingEmbedder, testConfig } from './helpers';

const withEmbedder = (e = hashingEmbedder()) => ({ embedder: { embedder: e, warnings: [] } });

test('incremental ingest: unchanged documents are reused, changed replaced, new added, deleted removed', async () => {
  const cfg = await testConfig();
  const first = await ingest(cfg, withEmbedder());
  assert.equal(first.added.length, 5);
  assert.equal(first.embeddedPassages, first.passageCount);
  const snap1 = (await loadSnapshot(cfg.indexDir))!;
  assert.equal(snap1.manifest.embedder?.id, 'test:hashing');
  const { passages: passages1 } = await snapshotContents(snap1);
  assert.equal(snap1.vectors!.length, passages1.length * 64);

  const again = await ingest(cfg, withEmbedder());
  assert.equal(again.upToDate, true);
  assert.equal(again.embeddedPassages, 0);

  await appendFile(
    path.join(cfg.corpusDir, 'thuong-kishida-talks-in-tokyo.md'),
    '\nA newly added closing paragraph about rice exports to Japan.\n',
  );
  await writeFile(
    path.join(cfg.corpusDir, 'new-article.txt'),
    'Brand new article\n\nThe two sides discussed semiconductor supply chains in Da Nang.\n',
  );
  await unlink(path.join(cfg.corpusDir, 'go-together-head-to-future.md'));
  const third = await ingest(cfg, withEmbedder());
  assert.deepEqual(third.changed, ['thuong-kishida-talks-in-tokyo']);
  assert.deepEqual(third.added, ['new-article']);
  assert.deepEqual(third.removed, ['go-together-head-to-future']);
  assert.equal(third.unchanged.length, 3);
  const changedCount = third.passageCount - passages1.filter((p) => third.unchanged.includes(p.docId)).length;
  assert.equal(third.embeddedPassages, changedCount, 'only changed and new documents are embedded');

  const snap3 = (await loadSnapshot(cfg.indexDir))!;
  const { passages: passages3 } = await snapshotContents(snap3);
  assert.ok(!passages3.some((p) => p.docId === 'go-together-head-to-future'));
  assert.ok(passages3.some((p) => p.text.includes('rice exports')));
  // Reused vectors are the same numbers as before, row for row.
  const reusedId = passages3.find((p) => p.docId === 'partnership-yielding-substantive-results')!.id;
  const row = (s: typeof snap1) => s.table.rowOf(reusedId)!;
  assert.deepEqual(
    snap3.vectors!.slice(row(snap3) * 64, row(snap3) * 64 + 64),
    snap1.vectors!.slice(row(snap1) * 64, row(snap1) * 64 + 64),
  );
  const searcher = await buildSearcher(new LocalSnapshotReader(snap3), cfg.embedding, hashingEmbedder());
  const hits = await retrieve(searcher, 'semiconductor supply chains Da Nang', { k: 3 });
  assert.equal(hits.passages[0]!.docId, 'new-article');
});

test('changing the embedder or chunking forces a full rebuild; --rebuild forces one too', async () => {
  const cfg = await testConfig();
  await ingest(cfg, withEmbedder());
  const other = await ingest(cfg, withEmbedder(hashingEmbedder(32, 'test:other')));
  assert.equal(other.rebuilt, true);
  assert.match(other.rebuildReason!, /embedding model changed/);
  const rechunked = await ingest({ ...cfg, chunking: { ...cfg.chunking, maxTokens: 80 } }, withEmbedder(hashingEmbedder(32, 'test:other')));
  assert.match(rechunked.rebuildReason!, /chunking parameters changed/);
  const forced = await ingest(
    { ...cfg, chunking: { ...cfg.chunking, maxTokens: 80 } },
    { ...withEmbedder(hashingEmbedder(32, 'test:other')), rebuild: true },
  );
  assert.equal(forced.embeddedPassages, forced.passageCount);
});

test('bad files are reported and the rest is indexed', async () => {
  const cfg = await testConfig();
  await writeFile(path.join(cfg.corpusDir, 'broken.md'), '---\ntitle: x\n');
  await writeFile(path.join(cfg.corpusDir, 'zero.txt'), '');
  const report = await ingest(cfg);
  assert.deepEqual(report.skipped.map((s) => s.file).sort(), ['broken.md', 'zero.txt']);
  assert.equal(report.added.length, 5);
  assert.equal(report.embedder, null, 'DOSSIER_EMBEDDING_MODEL=none gives a lexical index');
  assert.match(report.warnings.join(' '), /Semantic search is off/);
});

test('lexical search is accent- and case-insensitive', async () => {
  const cfg = await testConfig();
  await ingest(cfg);
  const searcher = await buildSearcher(new LocalSnapshotReader((await loadSnapshot(cfg.indexDir))!), cfg.embedding);
  assert.equal(searcher.embedder, null);
  const thuong = await retrieve(searcher, 'thuong said', { k: 10 });
  assert.equal(thuong.mode, 'lexical');
  assert.ok(
    thuong.passages.some((p) => p.text.includes('Thưởng')),
    '"thuong" finds "Thưởng"',
  );
  const vietnam = await retrieve(searcher, 'VIET NAM', { k: 20 });
  assert.ok(
    vietnam.passages.some((p) => p.text.includes('Việt Nam')),
    '"Viet Nam" finds "Việt Nam"',
  );
  assert.ok(
    vietnam.passages.some((p) => p.text.includes('Vietnam ') && !p.text.includes('Việt Nam')),
    '"Viet Nam" also finds "Vietnam"',
  );
  const none = await retrieve(searcher, 'zebra xylophone', { k: 3 });
  assert.equal(none.passages.length, 0, 'no shared term, no lexical result');
});

test('a document filter restricts results by outlet and date', async () => {
  const cfg = await testConfig();
  await ingest(cfg);
  const searcher = await buildSearcher(new LocalSnapshotReader((await loadSnapshot(cfg.indexDir))!), cfg.embedding);
  const vov = await retrieve(searcher, 'Japan ODA', { k: 10, filter: { outlets: ['vov.vn'] } });
  assert.ok(vov.passages.length > 0);
  assert.ok(vov.passages.every((p) => p.doc.outlet === 'VOV.VN'));
  const dated = await retrieve(searcher, 'Japan ODA', { k: 10, filter: { from: '2023-11-01', to: '2023-11-30' } });
  assert.ok(dated.passages.length > 0);
  assert.ok(dated.passages.every((p) => p.doc.published === '2023-11-27'));
});

test('near-duplicate passages do not crowd the top k but stay available as corroboration', async () => {
  const cfg = await testConfig();
  const fact = 'Japan pledged four new ferries to the northern islands, officials in Hanoi confirmed on Friday.';
  for (const name of ['a', 'b', 'c'])
    await writeFile(path.join(cfg.corpusDir, `dup-${name}.txt`), `Report ${name}\n\n${fact} Outlet ${name} reported it.\n`);
  await ingest(cfg);
  const searcher = await buildSearcher(new LocalSnapshotReader((await loadSnapshot(cfg.indexDir))!), cfg.embedding);
  const { passages } = await retrieve(searcher, 'ferries northern islands', { k: 3 });
  const ferry = passages.filter((p) => p.text.includes('ferries'));
  assert.equal(ferry.length, 1, 'one slot for the repeated fact');
  assert.equal(ferry[0]!.corroborating.length, 2, 'the other two reports are attached');
});

test('answering embeds only the question: candidate sentences and quoted answer sentences use the vectors stored at ingest', async () => {
  const cfg = await testConfig();
  await ingest(cfg, withEmbedder());
  const model = hashingEmbedder();
  const embedded: string[] = [];
  const counting: Embedder = {
    ...model,
    embedDocuments: async (texts) => {
      embedded.push(...texts);
      return model.embedDocuments(texts);
    },
  };
  const searcher = await buildSearcher(await openStore(cfg), cfg.embedding, counting);
  const { passages } = await retrieve(searcher, 'rice exports to Japan');
  const { ranked } = await rankSentences(searcher, 'What did Vietnam export to Japan?', passages);
  assert.ok(
    ranked.some((c) => c.semantic !== null),
    'sentences are ranked with their vectors',
  );
  assert.deepEqual(embedded, [], 'no sentence of the collection is embedded at question time');

  const quoted = passages[0]!.sentences[0]!.text;
  const support = await storedSentenceEmbedder({ ...searcher, embedder: counting }, [passages[0]!.id]);
  const [stored, other] = await support.embedDocuments([quoted, 'A sentence the collection does not hold.']);
  assert.deepEqual(embedded, ['A sentence the collection does not hold.'], 'only text that is not a stored sentence is embedded');
  assert.deepEqual(stored, (await model.embedDocuments([quoted]))[0]);
  assert.equal(other!.length, model.dims);
});

test('ingest stores every sentence analysis, with typed names; a collection analysed by another version is re-analysed', async () => {
  const cfg = await testConfig();
  const first = await ingest(cfg, withEmbedder());
  const store = await openStore(cfg);
  const passages = await store.passagesOf(first.added[0]!);
  const stored = await store.sentenceAnalyses!(passages.map((p) => p.id));
  assert.equal(stored.size, passages.length, 'every passage has its analyses');
  for (const p of passages) assert.equal(stored.get(p.id)!.length, p.sentences.length);
  const spans = [...stored.values()].flat(2).flatMap((a) => a.spans);
  assert.ok(
    spans.some((s) => s.kind === 'name' && s.type),
    'names carry their type',
  );
  assert.deepEqual(await ingest(cfg, withEmbedder()).then((r) => r.upToDate), true);

  // The same collection as an older analyser left it: its analyses cannot be trusted.
  const snap = (await loadSnapshot(cfg.indexDir))!;
  const manifest = path.join(snap.dir, 'manifest.json');
  const json = JSON.parse(await readFile(manifest, 'utf8'));
  json.chunking.analyzerVersion = 0;
  await writeFile(manifest, JSON.stringify(json));
  const again = await ingest(cfg, withEmbedder());
  assert.equal(again.rebuilt, true);
  assert.match(again.rebuildReason!, /sentence analysis changed/);
});
