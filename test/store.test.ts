import assert from 'node:assert/strict';
import { open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { LocalIndex, ProtobufCodec } from 'vectra';
import { normalizeVector } from '@/lib/embed/types';
import { annotate } from '@/lib/nlp/annotate';
import { loadSnapshot } from '@/lib/store/local/snapshot';
import { LocalSnapshotReader } from '@/lib/store/local/store';
import { openStore, openStoreWriter } from '@/lib/store/open';
import { IndexError, type CommitInfo, type DocumentMeta, type Passage } from '@/lib/store/types';
import { tempDir } from './helpers';
import { storeContract } from './support/store-contract';

storeContract('local snapshot store', async () => {
  const cfg = { indexDir: path.join(await tempDir(), 'index') };
  return { reader: () => openStore(cfg), writer: await openStoreWriter(cfg) };
});

const DIMS = 8;
const INFO: CommitInfo = {
  embedder: { id: 'test:random', label: 'random', dims: DIMS },
  chunking: { maxTokens: 160, overlapSentences: 0, cleanerVersion: 1 },
  warnings: [],
};
const unit = (seed: number) => normalizeVector(Float32Array.from({ length: DIMS }, (_, i) => Math.sin(seed * 7 + i)));

/** A document of `n` two-sentence passages whose texts are their sentences joined (as the chunker builds them) except the last. */
function doc(id: string, n: number) {
  let body = '';
  const passages: Passage[] = [];
  for (let position = 0; position < n; position++) {
    const sentences = [`Sentence one of ${id} passage ${position} about rice.`, `Sentence two mentions Đà Nẵng ${position}.`].map(
      (text) => {
        const start = body.length;
        body += `${text} `;
        return { start, end: start + text.length, text };
      },
    );
    const joined = sentences.map((s) => s.text).join(' ');
    passages.push({
      id: `${id}#${position}`,
      docId: id,
      position,
      start: sentences[0]!.start,
      end: sentences[1]!.end,
      text: position === n - 1 ? `${joined} (edited)` : joined,
      sentences,
    });
  }
  const meta: DocumentMeta = { id, file: `${id}.md`, title: id, hash: `h-${id}`, bodyOffset: 0, passageCount: n };
  return {
    meta,
    body,
    passages,
    vectors: passages.map((_, i) => unit(i)),
    sentenceVectors: passages.map((_, i) => [unit(100 + i), unit(200 + i)]),
  };
}

test('local store: sentence vectors and passages round-trip, and a later session carries unchanged documents over exactly', async () => {
  const cfg = { indexDir: path.join(await tempDir(), 'index') };
  const writer = await openStoreWriter(cfg);
  const [a, b] = [doc('alpha', 3), doc('beta', 2)];
  let session = await writer.session();
  await session.upsertDocument(a.meta, a.body, a.passages, a.vectors, { vectors: a.sentenceVectors });
  await session.commit(INFO);
  session = await writer.session();
  await session.upsertDocument(b.meta, b.body, b.passages, b.vectors, { vectors: b.sentenceVectors });
  await session.commit(INFO);

  const store = await openStore(cfg);
  assert.deepEqual(await store.passagesOf('alpha'), a.passages, 'texts that are not their sentences joined are kept as written');
  assert.equal(await store.documentText('alpha'), a.body);
  const sentences = await store.sentenceVectors!(['alpha#2', 'beta#1', 'nope#0']);
  assert.deepEqual([...sentences.keys()], ['alpha#2', 'beta#1']);
  assert.deepEqual(sentences.get('alpha#2'), a.sentenceVectors[2]);
  assert.deepEqual(sentences.get('beta#1'), b.sentenceVectors[1]);
  assert.deepEqual((await store.vectors(['alpha#1'])).get('alpha#1'), a.vectors[1]);
  // The passage vectors are a vectra index, carried-over documents included: vectra itself queries it.
  const vectra = new LocalIndex(path.join((await loadSnapshot(cfg.indexDir))!.dir, 'vectra'), undefined, undefined, new ProtobufCodec());
  assert.deepEqual(
    (await vectra.queryItems(Array.from(a.vectors[2]!), '', 1)).map((r) => r.item.id),
    ['alpha#2'],
  );
  assert.equal((await vectra.listItems()).length, 5);
  assert.deepEqual(
    (await store.termStats(['nang', 'danang'])).df,
    new Map([
      ['nang', 5],
      ['danang', 5],
    ]),
    'carried postings are remapped to the new vocabulary',
  );

  // A document written without sentence vectors: the store has none, and callers embed.
  session = await writer.session();
  await session.upsertDocument(b.meta, b.body, b.passages, b.vectors);
  await session.commit(INFO);
  assert.deepEqual(await (await openStore(cfg)).sentenceVectors!(['alpha#0']), new Map());
});

test('local store: a damaged passages or vector file is an IndexError sentence, never a crash', async () => {
  const cfg = { indexDir: path.join(await tempDir(), 'index') };
  const writer = await openStoreWriter(cfg);
  const a = doc('alpha', 4);
  const session = await writer.session();
  await session.upsertDocument(a.meta, a.body, a.passages, a.vectors, { vectors: a.sentenceVectors });
  await session.commit(INFO);
  const dir = (await loadSnapshot(cfg.indexDir))!.dir;
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  const original = {
    index: await readFile(path.join(dir, 'index.bin')),
    manifest: JSON.stringify(manifest),
    vectors: await readFile(path.join(dir, 'sentences.f32')),
  };
  const overwrite = async (file: string, offset: number, bytes: Buffer) => {
    const h = await open(path.join(dir, file), 'r+');
    await h.write(bytes, 0, bytes.length, offset);
    await h.close();
  };
  const damages: [string, () => Promise<void>][] = [
    ['postings pointing past the last passage', () => overwrite('index.bin', manifest.layout.postingRow.offset, Buffer.alloc(4, 0xff))],
    ['offsets running backwards', () => overwrite('index.bin', manifest.layout.sentenceText.offset + 4, Buffer.alloc(4, 0xff))],
    [
      'a section outside the file',
      () =>
        writeFile(
          path.join(dir, 'manifest.json'),
          JSON.stringify({ ...manifest, layout: { ...manifest.layout, text: { ...manifest.layout.text, offset: 1e9 } } }),
        ),
    ],
    [
      'a section of the wrong size',
      () =>
        writeFile(
          path.join(dir, 'manifest.json'),
          JSON.stringify({ ...manifest, counts: { ...manifest.counts, postings: manifest.counts.postings + 1 } }),
        ),
    ],
    [
      'an absurd vector width',
      () => writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, embedder: { ...manifest.embedder, dims: 2 ** 31 } })),
    ],
    ['a short sentence vector file', () => writeFile(path.join(dir, 'sentences.f32'), original.vectors.subarray(0, 10))],
  ];
  for (const [what, damage] of damages) {
    await damage();
    await assert.rejects(
      loadSnapshot(cfg.indexDir),
      (e: Error) => e instanceof IndexError && /damaged.*npm run ingest -- --rebuild/.test(e.message),
      what,
    );
    await writeFile(path.join(dir, 'index.bin'), original.index);
    await writeFile(path.join(dir, 'manifest.json'), original.manifest);
    await writeFile(path.join(dir, 'sentences.f32'), original.vectors);
    assert.ok(await loadSnapshot(cfg.indexDir), `${what}: restored`);
  }
});

test('local store: articles and sentence analyses read by range (a large collection) equal those kept in memory', async () => {
  const cfg = { indexDir: path.join(await tempDir(), 'index') };
  const writer = await openStoreWriter(cfg);
  const a = doc('alpha', 3);
  const session = await writer.session();
  const analyses = a.passages.map((p) => p.sentences.map((x) => annotate(x.text)));
  await session.upsertDocument(a.meta, a.body, a.passages, a.vectors, { analyses });
  await session.commit(INFO);
  const kept = new LocalSnapshotReader((await loadSnapshot(cfg.indexDir))!);
  const ranged = new LocalSnapshotReader((await loadSnapshot(cfg.indexDir, { keepInMemory: 0 }))!);
  for (const store of [kept, ranged]) {
    assert.equal(await store.documentText('alpha'), a.body);
    assert.deepEqual(
      await store.sentenceAnalyses(['alpha#2', 'alpha#0']),
      new Map([
        ['alpha#2', analyses[2]],
        ['alpha#0', analyses[0]],
      ]),
    );
  }
});

test('local store: vectors read in a worker thread (a large index) equal those read in this one, and damage there is an IndexError sentence', async () => {
  const cfg = { indexDir: path.join(await tempDir(), 'index') };
  const writer = await openStoreWriter(cfg);
  const [a, b] = [doc('alpha', 3), doc('beta', 2)];
  const session = await writer.session();
  await session.upsertDocument(a.meta, a.body, a.passages, a.vectors);
  await session.upsertDocument(b.meta, b.body, b.passages, b.vectors);
  await session.commit(INFO);
  const here = (await loadSnapshot(cfg.indexDir))!;
  const there = (await loadSnapshot(cfg.indexDir, { vectorsInThread: 0 }))!;
  assert.deepEqual(there.vectors, here.vectors);
  await writeFile(path.join(here.dir, 'vectra', 'index.pb'), Buffer.from('not a vectra index at all'));
  for (const vectorsInThread of [0, Number.POSITIVE_INFINITY])
    await assert.rejects(
      loadSnapshot(cfg.indexDir, { vectorsInThread }),
      (e: Error) => e instanceof IndexError && /vector index/.test(e.message),
    );
});
