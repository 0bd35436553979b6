import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeVector } from '@/lib/embed/types';
import { annotate } from '@/lib/nlp/annotate';
import type { CommitInfo, DocumentMeta, Passage, StoreReader, StoreWriter } from '@/lib/store/types';
import { terms, words } from '@/lib/text/normalize';

/**
 * What every store must do, through the interface alone: run it against each implementation
 * (`open` gives a fresh, empty store). Vectors are hand-made so no model is needed.
 */
export type StoreUnderTest = { reader: () => Promise<StoreReader>; writer: StoreWriter };

const DIMS = 8;
const INFO: CommitInfo = {
  embedder: { id: 'test:axes', label: 'unit axes', dims: DIMS },
  chunking: { maxTokens: 160, overlapSentences: 1, cleanerVersion: 1 },
  warnings: ['a recorded warning'],
};

/** A unit vector leaning towards axis `i`. */
const axis = (i: number, lean = 0.1) => normalizeVector(Float32Array.from({ length: DIMS }, (_, j) => (j === i ? 1 : lean)));

function article(id: string, outlet: string, published: string, sentences: string[]) {
  let body = `Title of ${id}\n\n`;
  const passages: Passage[] = sentences.map((text, position) => {
    const start = body.length;
    body += `${text}\n\n`;
    return {
      id: `${id}#${position}`,
      docId: id,
      position,
      start,
      end: start + text.length,
      text,
      sentences: [{ start, end: start + text.length, text }],
    };
  });
  const meta: DocumentMeta = {
    id,
    file: `${id}.md`,
    title: `Title of ${id}`,
    outlet,
    published,
    hash: `hash-${id}`,
    bodyOffset: 0,
    passageCount: passages.length,
  };
  return { meta, body, passages };
}

const A = article('alpha', 'Hà Nội Times', '2023-03-01', [
  'Việt Nam and Japan signed the rice accord in Hà Nội.',
  'The accord covers fishing quotas too.',
]);
const B = article('beta', 'Tokyo Daily', '2023-06-15', [
  'Typhoon Lan reached Osaka on Tuesday.',
  'Rice harvests were delayed by the typhoon.',
]);
const C = article('gamma', 'Tokyo Daily', '2022-01-10', ['An unrelated story about museum tickets.']);

export function storeContract(name: string, open: () => Promise<StoreUnderTest>) {
  test(`${name}: a committed session is what readers see, through every read method`, async () => {
    const { reader, writer } = await open();
    assert.equal(await writer.info(), null);
    assert.deepEqual(await writer.contentHashes(), new Map());
    const session = await writer.session();
    await session.upsertDocument(A.meta, A.body, A.passages, [axis(0), axis(1)]);
    await session.upsertDocument(B.meta, B.body, B.passages, [axis(2), axis(3)]);
    await session.upsertDocument(C.meta, C.body, C.passages, [axis(4)]);
    const revision = await session.commit(INFO);

    const store = await reader();
    const info = await store.info();
    assert.equal(info.revision, revision);
    assert.deepEqual(info.embedder, INFO.embedder);
    assert.deepEqual(info.chunking, INFO.chunking);
    assert.deepEqual(info.warnings, INFO.warnings);
    assert.equal(info.documentCount, 3);
    assert.equal(info.passageCount, 5);
    assert.deepEqual((await store.documents()).map((d) => d.id).sort(), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(await store.document('beta'), B.meta);
    assert.equal(await store.document('nope'), null);
    assert.equal(await store.documentText('alpha'), A.body);
    assert.equal(await store.documentText('nope'), null);
    assert.deepEqual(
      (await store.passages(['beta#1', 'nope#0', 'alpha#0'])).map((p) => p.id),
      ['beta#1', 'alpha#0'],
      'in the order asked, unknown ids left out',
    );
    assert.deepEqual(await store.passagesOf('alpha'), A.passages);
    const scanned: Passage[] = [];
    for await (const p of store.scanPassages()) scanned.push(p);
    assert.deepEqual(scanned.map((p) => p.id).sort(), ['alpha#0', 'alpha#1', 'beta#0', 'beta#1', 'gamma#0']);
    const vectors = await store.vectors(['alpha#1', 'nope#0']);
    assert.deepEqual([...vectors.keys()], ['alpha#1']);
    assert.ok(Math.abs(vectors.get('alpha#1')![1]! - axis(1)[1]!) < 1e-6);
    assert.deepEqual(
      await writer.contentHashes(),
      new Map([
        ['alpha', 'hash-alpha'],
        ['beta', 'hash-beta'],
        ['gamma', 'hash-gamma'],
      ]),
    );
  });

  test(`${name}: term statistics, phrases and search fold case and accents`, async () => {
    const { reader, writer } = await open();
    const session = await writer.session();
    for (const [d, v] of [
      [A, [axis(0), axis(1)]],
      [B, [axis(2), axis(3)]],
      [C, [axis(4)]],
    ] as const)
      await session.upsertDocument(d.meta, d.body, d.passages, [...v]);
    await session.commit(INFO);
    const store = await reader();

    const stats = await store.termStats(terms('rice typhoon zeppelin'));
    assert.equal(stats.passageCount, 5);
    assert.deepEqual(
      [...stats.df.entries()].sort(),
      [
        ['rice', 2],
        ['typhoon', 2],
        ['zeppelin', 0],
      ].sort(),
    );
    assert.deepEqual(await store.phrasesOccur([words('Viet Nam and Japan'), words('Typhoon Lan'), words('Lan Typhoon')]), [
      true,
      true,
      false,
    ]);

    const lexical = await store.search({ text: 'Viet Nam rice accord', vector: null, mode: 'lexical', limit: 10 });
    assert.equal(lexical[0]!.passageId, 'alpha#0', '"Viet Nam" finds "Việt Nam"');
    assert.ok(
      lexical.every((c) => c.lexicalScore! > 0 && c.denseScore === null),
      'lexical search returns only passages sharing a term',
    );
    assert.ok(
      lexical.every((c, i) => i === 0 || c.score <= lexical[i - 1]!.score),
      'best first',
    );

    const dense = await store.search({ text: 'anything', vector: axis(3, 0), mode: 'dense', limit: 2 });
    assert.deepEqual(
      dense.map((c) => c.passageId),
      ['beta#1', dense[1]!.passageId],
    );
    assert.equal(dense.length, 2);
    assert.ok(dense[0]!.lexicalScore === null && dense[0]!.denseScore! > 0.9);

    const hybrid = await store.search({ text: 'rice', vector: axis(3, 0), mode: 'hybrid', limit: 5 });
    assert.equal(hybrid[0]!.passageId, 'beta#1', 'both retrievers agree on the harvest passage');

    const filtered = await store.search({
      text: 'rice typhoon accord',
      vector: null,
      mode: 'lexical',
      limit: 10,
      filter: { outlets: ['tokyo daily'], from: '2023-01-01' },
    });
    assert.deepEqual(filtered.map((c) => c.passageId).sort(), ['beta#0', 'beta#1']);
    const byDoc = await store.search({ text: 'rice', vector: axis(0, 0), mode: 'hybrid', limit: 10, filter: { docIds: ['alpha'] } });
    assert.ok(byDoc.length > 0 && byDoc.every((c) => c.passageId.startsWith('alpha#')));
  });

  test(`${name}: a session starts from the current collection; upsert replaces, remove removes, abort publishes nothing, reset starts empty`, async () => {
    const { reader, writer } = await open();
    let session = await writer.session();
    await session.upsertDocument(A.meta, A.body, A.passages, [axis(0), axis(1)]);
    await session.upsertDocument(B.meta, B.body, B.passages, [axis(2), axis(3)]);
    const first = await session.commit(INFO);

    const changed = article('alpha', 'Hà Nội Times', '2023-03-02', ['A corrected single passage about the accord.']);
    session = await writer.session();
    await session.upsertDocument({ ...changed.meta, hash: 'hash-alpha-2' }, changed.body, changed.passages, [axis(5)]);
    await session.removeDocument('beta');
    await session.upsertDocument(C.meta, C.body, C.passages, [axis(4)]);
    const second = await session.commit(INFO);
    assert.notEqual(second, first);
    let store = await reader();
    assert.deepEqual((await store.documents()).map((d) => d.id).sort(), ['alpha', 'gamma']);
    assert.deepEqual(
      (await store.passagesOf('alpha')).map((p) => p.text),
      ['A corrected single passage about the accord.'],
    );
    assert.deepEqual(await store.passages(['alpha#1', 'beta#0']), [], 'replaced and removed passages are gone');
    assert.equal((await store.info()).passageCount, 2);
    assert.equal((await writer.contentHashes()).get('alpha'), 'hash-alpha-2');

    session = await writer.session();
    await session.removeDocument('gamma');
    await session.abort();
    store = await reader();
    assert.equal((await store.info()).revision, second);
    assert.ok(await store.document('gamma'), 'an aborted session changes nothing');

    session = await writer.session({ reset: true });
    await session.upsertDocument(B.meta, B.body, B.passages, null);
    await session.commit({ ...INFO, embedder: null });
    store = await reader();
    assert.deepEqual(
      (await store.documents()).map((d) => d.id),
      ['beta'],
    );
    assert.equal((await store.info()).embedder, null);
    assert.deepEqual(await store.vectors(['beta#0']), new Map(), 'a lexical-only collection has no vectors');
  });

  test(`${name}: sentence analyses written at ingest come back with each sentence's spans, carried over unchanged documents`, async () => {
    const { reader, writer } = await open();
    const analysesOf = (d: typeof A) => d.passages.map((p) => p.sentences.map((x) => annotate(x.text)));
    let session = await writer.session();
    await session.upsertDocument(A.meta, A.body, A.passages, [axis(0), axis(1)], { analyses: analysesOf(A) });
    await session.upsertDocument(B.meta, B.body, B.passages, [axis(2), axis(3)]);
    await session.commit(INFO);
    // A later session that leaves alpha alone must keep what was stored for it.
    session = await writer.session();
    await session.upsertDocument(C.meta, C.body, C.passages, [axis(4)], { analyses: analysesOf(C) });
    await session.commit(INFO);
    const store = await reader();
    assert.ok(store.sentenceAnalyses, 'the store keeps sentence analyses');
    const stored = await store.sentenceAnalyses(['alpha#0', 'beta#0', 'gamma#0', 'nope#0']);
    assert.deepEqual([...stored.keys()].sort(), ['alpha#0', 'gamma#0'], 'only passages stored with analyses, unknown ids left out');
    assert.deepEqual(stored.get('alpha#0'), analysesOf(A)[0]);
    const names = stored.get('alpha#0')![0]!.spans.filter((x) => x.kind === 'name');
    assert.ok(
      names.some((x) => x.text === 'Japan' && x.type === 'place'),
      'names keep the type worked out at ingest',
    );

    if (store.passageTerms) {
      const t = await store.passageTerms(['alpha#0', 'alpha#1']);
      const a0 = t.get('alpha#0')!;
      assert.equal(a0.length, new Set(terms(A.passages[0]!.text)).size, 'one number per distinct term');
      assert.ok(
        a0.every((x, i) => i === 0 || a0[i - 1]! < x),
        'ascending',
      );
    }
  });
}
