import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { answer, answerOnce, NOT_COVERED } from '@/lib/answer/answer';
import { isFollowUp, standaloneQuestion } from '@/lib/answer/conversation';
import { analyzeQuestion } from '@/lib/answer/question';
import type { Answer, AnswerEvent, ChatMessage } from '@/lib/answer/types';
import type { Config } from '@/lib/config';
import { loadJsonl, questionSchema } from '@/scripts/lib/eval/gold';
import { ingest } from '@/lib/ingest';
import { brief } from '@/lib/brief/brief';
import type { Embedder } from '@/lib/embed/types';
import { loadSnapshot } from '@/lib/store/local/snapshot';
import { snapshotContents } from './support/snapshot';
import { buildSearcher, getSearcher, type Searcher } from '@/lib/retrieve/searcher';
import { openStore, storeLocation } from '@/lib/store/open';
import type { StoreReader } from '@/lib/store/types';
import { normalizeDisplay, terms, words } from '@/lib/text/normalize';
import { hashingEmbedder, nearDuplicate, ROOT, testConfig } from './helpers';

/**
 * The local (extractive) engine through the answering entry point, on private indexes of the real
 * corpus: sentence choice, merging of facts several articles report, conflicts, refusals,
 * follow-ups, display numbers across turns and the event stream. Assertions are properties of
 * any answer (cited, extractive, not repeated), not expected wordings.
 */

/**
 * The entry point loads an index's embedder by its id, which a test embedder has none of: put a
 * searcher holding it in the per-process cache that `getSearcher` consults, so answers run with
 * hybrid retrieval and sentence vectors.
 */
async function useEmbedder(cfg: Config, embedder: Embedder) {
  const store = await openStore(cfg);
  const { revision } = await store.info();
  const cache = globalThis as typeof globalThis & {
    __dossierSearcher?: Map<string, { store: StoreReader; revision: string; searcher: Promise<Searcher> }>;
  };
  cache.__dossierSearcher ??= new Map();
  cache.__dossierSearcher.set(storeLocation(cfg), { store, revision, searcher: buildSearcher(store, cfg.embedding, embedder) });
  assert.equal((await getSearcher(cfg)).embedder, embedder);
}

const lexical = await testConfig();
await ingest(lexical);
const hashed = await testConfig();
await ingest(hashed, { embedder: { embedder: hashingEmbedder(), warnings: [] } });
await useEmbedder(hashed, hashingEmbedder());
const CONFIGS: [string, Config][] = [
  ['lexical', lexical],
  ['hashing embedder', hashed],
];

const user = (content: string): ChatMessage => ({ role: 'user', content });
const asAssistant = (a: Answer): ChatMessage => ({
  role: 'assistant',
  content: a.text,
  citations: a.citations.map(({ n, passageId }) => ({ n, passageId })),
});
const ask = (cfg: Config, messages: ChatMessage[]) => answerOnce(cfg, messages, { engine: 'local' });

async function events(cfg: Config, messages: ChatMessage[]) {
  const out: AnswerEvent[] = [];
  for await (const e of answer(cfg, messages, { engine: 'local' })) out.push(e);
  return out;
}

type Sentence = { body: string; claim: string; markers: number[] };

/**
 * Splits an answer into its sentences. Every sentence must end in display markers and then its
 * full stop ("… [1][3]."); text left over would be an uncited sentence and fails the parse.
 * `claim` is the article text the sentence states: the quoted part of a "The articles differ"
 * framing, the sentence itself otherwise.
 */
/** The bold short answer a factual answer opens with ("**1973.** "), and the text after it. */
function splitShort(text: string): { short: string | null; rest: string } {
  const m = /^\*\*([^*]{1,300})\.\*\* /.exec(text);
  return m ? { short: m[1]!, rest: text.slice(m[0].length) } : { short: null, rest: text };
}

function sentencesOf(answerText: string): Sentence[] {
  const text = splitShort(answerText).rest;
  const re = /\s*(.+?) ((?:\[\d+\])+)([.!?]["'”’)]*)(?=\s|$)/suy;
  const out: Sentence[] = [];
  let at = 0;
  while (at < text.trim().length) {
    re.lastIndex = at;
    const m = re.exec(text);
    assert.ok(m, `text without a citation marker: ${JSON.stringify(text.slice(at))}`);
    const body = m[1]!;
    const framed = /^(?:The articles differ: according to .+?, |But .+? says )"(.+)"$/s.exec(body);
    out.push({ body, claim: framed ? framed[1]! : body, markers: [...m[2]!.matchAll(/\d+/g)].map((x) => Number(x[0])) });
    at = re.lastIndex;
  }
  assert.ok(out.length > 0, `no cited sentence in: ${JSON.stringify(text)}`);
  return out;
}

const snapshots = new Map<Config, Awaited<ReturnType<typeof snapshotContents>>>();
async function bodyOf(cfg: Config, docId: string): Promise<string> {
  if (!snapshots.has(cfg)) snapshots.set(cfg, await snapshotContents((await loadSnapshot(cfg.indexDir))!));
  return snapshots.get(cfg)!.bodies[docId]!;
}

/**
 * The checks every local answer must pass: 1–4 sentences, each with markers that resolve to a
 * citation, each stated verbatim in the passage of its first marker, with the highlighted span
 * being that very sentence; other markers point to other articles.
 */
async function assertWellFormed(cfg: Config, a: Answer): Promise<Sentence[]> {
  assert.equal(a.engine, 'local');
  assert.equal(a.refused, false, `refused: ${a.query}`);
  const sentences = sentencesOf(a.text);
  assert.ok(sentences.length >= 1 && sentences.length <= 4, `${sentences.length} sentences: ${a.text}`);
  // The short answer is verbatim: in the first sentence, and at its offsets in the article.
  const { short } = splitShort(a.text);
  assert.equal(short !== null, a.short !== null, 'a bold opening comes with the short-answer field');
  if (short && a.short) {
    assert.ok(a.short.text.startsWith(short), `${a.short.text} / ${short}`);
    assert.ok(sentences[0]!.claim.includes(short), `"${short}" is in the sentence it opens: ${sentences[0]!.claim}`);
    const body = await bodyOf(cfg, a.short.docId);
    assert.ok(
      normalizeDisplay(body.slice(a.short.start, a.short.end)).includes(normalizeDisplay(short)),
      'the offsets hold the short answer',
    );
    assert.equal(a.citations.find((c) => c.n === a.short!.n)?.passageId, a.short.passageId);
  }
  const byN = new Map(a.citations.map((c) => [c.n, c]));
  const used = new Set<number>();
  for (const s of sentences) {
    assert.equal(new Set(s.markers).size, s.markers.length, `a marker repeated in one sentence: ${s.body}`);
    const cited = s.markers.map((n) => {
      const c = byN.get(n);
      assert.ok(c, `[${n}] resolves to a citation`);
      used.add(n);
      return c;
    });
    const primary = cited[0]!;
    assert.ok(normalizeDisplay(primary.text).includes(s.claim), `[${primary.n}] (${primary.passageId}) does not contain "${s.claim}"`);
    const body = await bodyOf(cfg, primary.docId);
    const span = primary.spans.find(([from, to]) => normalizeDisplay(body.slice(from, to)).includes(s.claim));
    assert.ok(span, `a highlight span of [${primary.n}] covers "${s.claim.slice(0, 60)}…"`);
    assert.ok(span[0] >= primary.start && span[1] <= primary.end, 'the span lies inside the passage');
    for (const other of cited.slice(1)) assert.notEqual(other.docId, primary.docId, 'corroborating citations come from other articles');
  }
  assert.deepEqual(
    [...used].sort((x, y) => x - y),
    a.citations.map((c) => c.n),
    'every listed citation is used in the text',
  );
  // The engine's own check agrees: every sentence is cited and supported (an uncited one run into the next would slip past the parse above).
  assert.ok(a.checks.length >= sentences.length);
  for (const c of a.checks) assert.equal(c.verdict, 'supported', `${c.verdict} sentence: ${c.sentence}`);
  for (const c of a.citations)
    assert.ok(c.spans.length > 0 && c.spans.every(([f, t]) => f >= c.start && t <= c.end && t > f), `spans of [${c.n}]`);
  return sentences;
}

function assertNoNearDuplicates(sentences: Sentence[]) {
  for (let i = 0; i < sentences.length; i++)
    for (let j = i + 1; j < sentences.length; j++) {
      assert.ok(
        !nearDuplicate(sentences[i]!.claim, sentences[j]!.claim),
        `near-duplicate sentences:\n  ${sentences[i]!.claim}\n  ${sentences[j]!.claim}`,
      );
    }
}

const MONTHS = 'January|February|March|April|May|June|July|August|September|October|November|December';
const YEAR = /\b(1[89]|20)\d{2}\b/;
const DATE = new RegExp(`${YEAR.source}|\\b(${MONTHS})\\b|\\b(this|last|next) (year|month|week)\\b`);
const NUMBER =
  /\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|dozens?|half|a third|a quarter|double|twice)\b/i;

const gold = await loadJsonl(path.join(ROOT, 'eval', 'gold.jsonl'), questionSchema);

test('sentence selection: "when" answers lead with a date, "how many/much" with a number; answers are short, cited and extractive', async () => {
  const when = gold.filter((g) => g.answerable && analyzeQuestion(g.question).type === 'date');
  const quantity = gold.filter(
    (g) => g.answerable && ['number', 'money', 'percent', 'quantity'].includes(analyzeQuestion(g.question).type),
  );
  assert.ok(when.length >= 5 && quantity.length >= 5, 'the gold set has questions of both kinds');
  for (const [name, cfg] of CONFIGS) {
    let answered = 0;
    for (const g of [...when, ...quantity]) {
      const a = await ask(cfg, [user(g.question)]);
      if (a.refused) continue;
      answered++;
      const [lead] = await assertWellFormed(cfg, a);
      // The hashing embedder's "similarity" is hash collisions: it checks the plumbing, not the choice.
      if (cfg === hashed) continue;
      if (analyzeQuestion(g.question).type === 'date') {
        // A question about a year is not answered by "on Monday".
        const wanted = /\b(what|which) year\b/i.test(g.question) ? YEAR : DATE;
        assert.match(
          lead!.claim,
          wanted,
          `${name}: the lead of "${g.question}" states no ${wanted === YEAR ? 'year' : 'date'}: ${lead!.claim}`,
        );
      } else {
        assert.match(lead!.claim, NUMBER, `${name}: the lead of "${g.question}" states no number: ${lead!.claim}`);
      }
    }
    const total = when.length + quantity.length;
    assert.ok(answered >= total * 0.8, `${name}: ${answered} of ${total} answerable questions answered`);
  }
});

test('a fact several articles report is stated once, with a citation for each article', async () => {
  const Q = 'When did Vietnam and Japan establish diplomatic relations?';
  // Found in the corpus, not assumed: the year of establishment that most articles give.
  const snap = await snapshotContents((await loadSnapshot(lexical.indexDir))!);
  const yearsByDoc = new Map<string, Set<string>>();
  for (const [docId, body] of Object.entries(snap.bodies)) {
    for (const m of normalizeDisplay(body).matchAll(/[^.]*diplomatic (?:relations|ties)[^.]*/gi)) {
      if (!/establish/i.test(m[0])) continue;
      for (const y of m[0].match(new RegExp(YEAR.source, 'g')) ?? [])
        (yearsByDoc.get(y) ?? yearsByDoc.set(y, new Set()).get(y)!).add(docId);
    }
  }
  const [year, reporting] = [...yearsByDoc].sort((a, b) => b[1].size - a[1].size)[0]!;
  assert.ok(reporting.size >= 3, `the establishment year is reported by ${reporting.size} articles`);

  // Lexical index only: with the hashing embedder, which passages are retrieved is up to hash collisions.
  for (const [name, cfg] of CONFIGS.filter(([, c]) => c === lexical)) {
    const a = await ask(cfg, [user(Q)]);
    const sentences = await assertWellFormed(cfg, a);
    assertNoNearDuplicates(sentences);
    const stating = sentences.filter((s) => s.claim.includes(year));
    assert.equal(stating.length, 1, `${name}: ${year} is stated once, not ${stating.length} times: ${a.text}`);
    const cited = stating[0]!.markers.map((n) => a.citations.find((c) => c.n === n)!);
    const docs = new Set(cited.map((c) => c.docId));
    assert.ok(docs.size >= 2, `${name}: the merged sentence cites ${docs.size} article(s): ${a.text}`);
    for (const c of cited) {
      assert.ok(reporting.has(c.docId), `${name}: [${c.n}] ${c.docId} is one of the articles that report it`);
      assert.ok(c.text.includes(year), `${name}: the corroborating passage [${c.n}] itself states ${year}`);
    }
  }
});

test('no answer repeats itself, and every corroborating citation names the same answer', async () => {
  // Factual questions over facts that several outlets report, each with its own wording.
  const multi = gold.filter((g) => g.answerable && g.tags.includes('multi') && analyzeQuestion(g.question).factual);
  assert.ok(multi.length >= 5);
  for (const g of multi) {
    const a = await ask(lexical, [user(g.question)]);
    if (a.refused) continue;
    const sentences = await assertWellFormed(lexical, a);
    assertNoNearDuplicates(sentences);
  }
  // Two outlets name two different ambassadors with the same title: that is not one fact.
  const a = await ask(lexical, [user("Who is Japan's ambassador to Vietnam?")]);
  await assertWellFormed(lexical, a);
  const names = ['Yamada Takio', 'Ito Naoki'];
  for (const s of sentencesOf(a.text)) {
    const named = names.filter((x) => s.claim.includes(x));
    for (const n of s.markers) {
      const c = a.citations.find((x) => x.n === n)!;
      for (const x of named) assert.ok(c.text.includes(x), `[${n}] is cited for "${x}" but its passage does not name them: ${a.text}`);
    }
  }
});

test('conflicting articles: the answer says they differ and cites each side', async () => {
  const cfg = await testConfig();
  const write = (name: string, text: string) => writeFile(path.join(cfg.corpusDir, name), text);
  await write(
    'terminal-approved.txt',
    'Ferry terminal approved\n\nThe new Cao Lanh river ferry terminal will cost 240 million dollars, the Dong Thap transport department said on Tuesday. The department expects the Cao Lanh ferry terminal to open to passengers in 2029.\n',
  );
  await write(
    'terminal-costs-rise.txt',
    'Ferry terminal costs rise\n\nThe Cao Lanh river ferry terminal will cost 310 million dollars, according to the provincial planning office. The Cao Lanh ferry terminal will open to passengers in 2027, the office added.\n',
  );
  await ingest(cfg);

  const sides: [string, string[]][] = [
    ['How much will the Cao Lanh ferry terminal cost?', ['240', '310']],
    ['When will the Cao Lanh ferry terminal open to passengers?', ['2027', '2029']],
  ];
  for (const [q, values] of sides) {
    const a = await ask(cfg, [user(q)]);
    const sentences = await assertWellFormed(cfg, a);
    assert.match(a.text, /differ/i, `"${q}" does not report the disagreement: ${a.text}`);
    for (const v of values) {
      const s = sentences.find((x) => x.claim.includes(v));
      assert.ok(s, `the ${v} side is stated: ${a.text}`);
      const sources = s.markers.map((n) => a.citations.find((c) => c.n === n)!);
      assert.ok(
        sources.every((c) => c.text.includes(v)),
        `the ${v} side cites only passages that say ${v}`,
      );
    }
    const docs = values.map((v) => a.citations.find((c) => c.text.includes(v))!.docId);
    assert.notEqual(docs[0], docs[1], 'each side is cited to its own article');
  }
  // Articles that agree are not reported as a disagreement.
  const agreed = await ask(lexical, [user('When did Vietnam and Japan establish diplomatic relations?')]);
  assert.doesNotMatch(agreed.text, /differ/i);
});

test('refusal: an unanswerable question is refused with related passages; an answerable one is not', async () => {
  for (const [name, cfg] of CONFIGS) {
    for (const q of [
      'What did the two leaders say about the 2030 Olympic bid?',
      'How many Olympic medals did Vietnam win at the Paris Games?',
    ]) {
      const evs = await events(cfg, [user(q)]);
      const done = evs.at(-1)!;
      assert.ok(done.type === 'done');
      const a = done.answer;
      assert.equal(a.refused, true, `${name}: "${q}" was answered: ${a.text}`);
      assert.ok(a.text.startsWith(NOT_COVERED));
      assert.doesNotMatch(a.text, /\[\d+\]/, 'a refusal cites nothing');
      assert.deepEqual(a.citations, []);
      assert.deepEqual(a.checks, []);
      assert.ok(a.related.length >= 1 && a.related.length <= 3, `${name}: related passages are offered`);
      assert.deepEqual(
        a.related.map((c) => c.n),
        a.related.map((_, i) => i + 1),
      );
      const snap = await snapshotContents((await loadSnapshot(cfg.indexDir))!);
      for (const r of a.related) {
        const p = snap.passages.find((x) => x.id === r.passageId);
        assert.ok(p, `related ${r.passageId} is a real passage`);
        assert.equal(r.text, p.text);
        assert.equal(r.docId, p.docId);
      }
      assert.equal(new Set(a.related.map((r) => r.passageId)).size, a.related.length);
      assert.ok(!evs.some((e) => e.type === 'citation'), 'no citation events for a refusal');
    }
    const ok = await ask(cfg, [user("Which Japanese prime minister did Vietnam's president hold talks with in Tokyo?")]);
    await assertWellFormed(cfg, ok);
    assert.deepEqual(ok.related, []);
    assert.match(ok.text, /Kishida/);
  }
});

test("follow-up rewriting carries the earlier question's context (conversation.ts)", () => {
  const Q1 = 'When did Vietnam and Japan establish diplomatic relations?';
  const history: ChatMessage[] = [
    user(Q1),
    { role: 'assistant', content: 'They established relations in September 1973 [1].', citations: [{ n: 1, passageId: 'x#0' }] },
  ];
  assert.equal(isFollowUp(Q1), false);
  assert.equal(standaloneQuestion([user(Q1)]), Q1, 'a first question is left alone');
  for (const f of ['And what about defence?', 'What about trade?', 'When was that signed?', 'And security?'])
    assert.equal(isFollowUp(f), true, f);

  const shift = standaloneQuestion([...history, user('And what about defence?')]);
  const t = new Set(terms(shift));
  for (const w of ['defence', 'vietnam', 'japan']) assert.ok(t.has(w), `"${shift}" keeps ${w}`);
  assert.ok(!t.has('diplomat') && !t.has('relation'), `"what about X" swaps the topic for X: ${shift}`);
  assert.doesNotMatch(shift, /^\s*and\b/i, 'the conversational opener is dropped');

  const anaphora = standaloneQuestion([...history, user('Why did they do that?')]);
  for (const w of ['vietnam', 'japan', 'diplomatic', 'relations']) assert.ok(words(anaphora).includes(w), `"${anaphora}" keeps ${w}`);

  // A standalone question in the middle of a conversation is not rewritten.
  const fresh = 'How much ODA did Japan give Vietnam in 2023?';
  assert.equal(standaloneQuestion([...history, user(fresh)]), fresh);
  // Follow-ups chain: the third turn resolves against the already-resolved second one.
  const chained = standaloneQuestion([
    ...history,
    user('And what about defence?'),
    { role: 'assistant', content: '…' },
    user('When was that signed?'),
  ]);
  for (const w of ['defence', 'vietnam', 'japan', 'signed']) assert.ok(words(chained).includes(w), `"${chained}" keeps ${w}`);
  // Assistant turns never leak into the query.
  assert.ok(!words(shift).includes('1973') && !words(anaphora).includes('1973'));
});

test('a follow-up is answered from its rewritten query and cites defence/security passages; numbers stay stable across turns', async () => {
  for (const [name, cfg] of CONFIGS) {
    const Q1 = 'When did Vietnam and Japan establish diplomatic relations?';
    const a1 = await ask(cfg, [user(Q1)]);
    await assertWellFormed(cfg, a1);
    const conversation = [user(Q1), asAssistant(a1), user('And what about defence?')];
    const a2 = await ask(cfg, conversation);
    assert.equal(a2.query, standaloneQuestion(conversation));
    assert.notEqual(a2.query, 'And what about defence?');
    await assertWellFormed(cfg, a2);
    const DEFENCE = /defen[cs]e|security|military|coast guard|patrol/i;
    for (const c of a2.citations) assert.match(c.text, DEFENCE, `${name}: [${c.n}] ${c.passageId} is not about defence`);
    for (const s of sentencesOf(a2.text)) assert.match(s.claim, DEFENCE, `${name}: off-topic sentence: ${s.claim}`);
    // New passages continue the numbering; none reuses a number taken by another passage.
    const before = new Map(a1.citations.map((c) => [c.passageId, c.n]));
    const maxBefore = Math.max(...a1.citations.map((c) => c.n));
    for (const c of a2.citations) {
      if (before.has(c.passageId)) assert.equal(c.n, before.get(c.passageId));
      else assert.ok(c.n > maxBefore, `${name}: new passage ${c.passageId} got [${c.n}], taken in turn 1`);
    }
  }
});

test('display numbers: a passage cited again in a later turn keeps its [n]', async () => {
  for (const [name, cfg] of CONFIGS) {
    const Q1 = 'What did Vietnam and Japan agree on defence and security cooperation?';
    const Q2 = 'How much ODA were Thuong and Kishida hoping Japan would give Viet Nam in 2023?';
    const Q3 = 'And what about defence?';
    const a1 = await ask(cfg, [user(Q1)]);
    const a2 = await ask(cfg, [user(Q1), asAssistant(a1), user(Q2)]);
    const conversation = [user(Q1), asAssistant(a1), user(Q2), asAssistant(a2), user(Q3)];
    const a3 = await ask(cfg, conversation);
    for (const a of [a1, a2, a3]) await assertWellFormed(cfg, a);
    const earlier = new Map([...a1.citations, ...a2.citations].map((c) => [c.passageId, c.n]));
    assert.equal(new Set(earlier.values()).size, earlier.size, `${name}: one number per passage over the conversation`);
    const repeated = a3.citations.filter((c) => earlier.has(c.passageId));
    assert.ok(repeated.length >= 1, `${name}: turn 3 cites a passage from turn 1 (otherwise this test proves nothing): ${a3.text}`);
    for (const c of repeated)
      assert.equal(c.n, earlier.get(c.passageId), `${name}: ${c.passageId} was [${earlier.get(c.passageId)}], now [${c.n}]`);
    const maxBefore = Math.max(...earlier.values());
    for (const c of a3.citations.filter((x) => !earlier.has(x.passageId)))
      assert.ok(c.n > maxBefore, `${name}: new passage ${c.passageId} got [${c.n}], already taken`);
    assert.equal(new Set(a3.citations.map((c) => c.n)).size, a3.citations.length);
    // The same standalone question without the history: the same answer, numbered from [1] by first use.
    const alone = await ask(cfg, [user(a3.query)]);
    const byPassage = (a: Answer) => a.text.replace(/\[(\d+)\]/g, (_, n) => `[${a.citations.find((c) => c.n === Number(n))!.passageId}]`);
    assert.equal(byPassage(a3), byPassage(alone));
    assert.deepEqual(
      alone.citations.map((c) => c.n),
      alone.citations.map((_, i) => i + 1),
    );
  }
});

test('streaming: the pieces add up to the final text, no piece ends inside a marker, citations come first', async () => {
  const questions = [
    [user('When did Vietnam and Japan establish diplomatic relations?')],
    [user('How much ODA were Thuong and Kishida hoping Japan would give Viet Nam in 2023?')],
    [
      user('When did Vietnam and Japan establish diplomatic relations?'),
      { role: 'assistant' as const, content: 'In 1973.' },
      user('And what about defence?'),
    ],
    [user('What did the two leaders say about the 2030 Olympic bid?')],
  ];
  for (const [name, cfg] of CONFIGS) {
    for (const messages of questions) {
      const evs = await events(cfg, messages);
      const done = evs.at(-1)!;
      assert.ok(done.type === 'done', 'the stream ends with the answer');
      assert.equal(evs.filter((e) => e.type === 'done').length, 1);
      const a = done.answer;
      const status = evs.findIndex((e) => e.type === 'status');
      const firstText = evs.findIndex((e) => e.type === 'text');
      assert.ok(status >= 0 && status < firstText, 'status comes before any text');
      const s = evs[status]!;
      assert.ok(s.type === 'status' && s.engine === 'local' && s.query === a.query);
      assert.equal(s.retrieval, cfg === hashed ? 'hybrid' : 'lexical');

      const deltas = evs.flatMap((e) => (e.type === 'text' ? [e.delta] : []));
      assert.ok(deltas.length >= 5, `${name}: text arrives in pieces (${deltas.length})`);
      let soFar = '';
      for (const d of deltas) {
        assert.ok(d.length > 0);
        assert.doesNotMatch(d, /\[[^\]]*$|^[^[]*\]/, `a piece splits a marker: ${JSON.stringify(d)}`);
        soFar += d;
        assert.doesNotMatch(soFar, /\[[^\]]*$/, 'the text so far ends inside a marker');
        assert.doesNotMatch(d, /#\d/, 'no raw passage id reaches the stream');
      }
      assert.equal(soFar.trim(), a.text);
      // Each citation is announced once, before the first text that uses it.
      const announced: number[] = [];
      let shown = '';
      for (const e of evs) {
        if (e.type === 'citation') {
          assert.ok(!announced.includes(e.citation.n));
          announced.push(e.citation.n);
          assert.deepEqual(
            e.citation,
            a.citations.find((c) => c.n === e.citation.n),
          );
        }
        if (e.type === 'text') {
          shown += e.delta;
          for (const m of shown.matchAll(/\[(\d+)\]/g))
            assert.ok(announced.includes(Number(m[1])), `[${m[1]}] shown before it was announced`);
        }
      }
      assert.deepEqual(
        announced.sort((x, y) => x - y),
        a.citations.map((c) => c.n),
      );
    }
  }
});

test('a cancelled question or briefing stops: nothing is embedded after the abort, and it rejects', async () => {
  const cfg = await testConfig();
  await ingest(cfg, { embedder: { embedder: hashingEmbedder(), warnings: [] } });
  const base = hashingEmbedder();
  let calls = 0;
  let afterAbort = 0;
  const controller = new AbortController();
  // Each embedding takes a while, as a real model's does; the first one cancels the request.
  const slowly = async <T>(signal: AbortSignal | undefined, work: () => Promise<T>) => {
    calls++;
    if (signal?.aborted) afterAbort++;
    controller.abort();
    await new Promise((r) => setTimeout(r, 20));
    return work();
  };
  const slow: Embedder = {
    ...base,
    embedDocuments: (texts, signal) => slowly(signal, () => base.embedDocuments(texts)),
    embedQuery: (text, signal) => slowly(signal, () => base.embedQuery(text)),
  };
  await useEmbedder(cfg, slow);
  await assert.rejects(
    answerOnce(cfg, [user('When did Vietnam and Japan establish diplomatic relations?')], { engine: 'local', signal: controller.signal }),
    { name: 'AbortError' },
  );
  assert.equal(calls, 1, 'only the query was embedded');
  const again = new AbortController();
  again.abort();
  await assert.rejects(brief(cfg, 'defence cooperation', { engine: 'local', signal: again.signal }), { name: 'AbortError' });
  assert.equal(afterAbort, 0, 'no embedding was asked for once the request was gone');
});

test('an article asking a question (a subheading, a rhetorical question) never has it quoted in an answer or a briefing', async () => {
  const cfg = await testConfig();
  await writeFile(
    path.join(cfg.corpusDir, 'harbour.txt'),
    "Harbour reopens\n\nThe Vandor harbour reopened to fishing boats on Monday after months of repairs. Why did the Vandor harbour stay shut through the whole winter storm season? Storm waves destroyed the Vandor harbour's main pier in March, the port authority said. The repairs to the Vandor harbour cost 12 million dollars, the authority added.\n",
  );
  await ingest(cfg);
  for (const q of ['What happened at the Vandor harbour?', 'Why did the Vandor harbour stay shut through the winter storm season?']) {
    const a = await ask(cfg, [user(q)]);
    assert.equal(a.refused, false, q);
    await assertWellFormed(cfg, a);
    assert.doesNotMatch(a.text, /Why did the Vandor harbour/, `${q} → ${a.text}`);
  }
  const b = await brief(cfg, 'Vandor harbour winter storm season', { engine: 'local' });
  assert.ok(b.bullets.length > 0);
  assert.ok(!b.bullets.some((x) => x.text.includes('Why did')), 'nor is it a bullet of a briefing');
});
