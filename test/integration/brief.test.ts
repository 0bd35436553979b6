import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { brief, type Briefing } from '@/lib/brief/brief';
import { GENERAL_THEME, ONLY_THEME } from '@/lib/brief/group';
import { briefingJson, type BriefingJson } from '@/lib/http/shapes';
import { ingest } from '@/lib/ingest';
import { loadSnapshot } from '@/lib/store/local/snapshot';
import { snapshotContents } from '@/test/support/snapshot';
import { fold, normalizeDisplay } from '@/lib/text/normalize';
import { nearDuplicate, ROOT, testConfig } from '@/test/helpers';

/**
 * Local (extractive) briefings on a private lexical index of the real corpus: size, theme
 * grouping, citations, merging of facts several articles report, the articles-used list,
 * timelines in date order, and the JSON the CLI prints.
 */

const cfg = await testConfig();
// Three outlets report one fact in their own words; nothing else in the corpus mentions it.
const FERRY = [
  [
    'ferries-a.txt',
    'Ferries for the islands\n\nJapan will donate four new passenger ferries to the northern islands of Vietnam, officials in Hanoi said on Friday.\n',
  ],
  [
    'ferries-b.txt',
    'Island ferries donated\n\nFour new passenger ferries will be donated by Japan to the northern islands of Vietnam, Hanoi officials confirmed.\n',
  ],
  [
    'ferries-c.txt',
    "New boats for island residents\n\nOfficials in Hanoi said that Japan is giving four new passenger ferries to Vietnam's northern islands.\n",
  ],
] as const;
for (const [file, text] of FERRY) await writeFile(path.join(cfg.corpusDir, file), text);
await ingest(cfg);
const snap = await snapshotContents((await loadSnapshot(cfg.indexDir))!);
const FERRY_DOCS = FERRY.map(([file]) => file.replace(/\.txt$/, ''));

const local = (topic: string) => brief(cfg, topic, { engine: 'local' });
const plain = (text: string) => text.replace(/\s*\[\d+\]/g, '');

/** What every local briefing must satisfy, whatever the topic. */
function assertWellFormed(b: Briefing, { min = 4 } = {}) {
  assert.equal(b.engine, 'local');
  assert.equal(b.empty, false);
  assert.ok(b.bullets.length >= min && b.bullets.length <= 8, `${b.bullets.length} bullets for "${b.topic}"`);
  const byN = new Map(b.citations.map((c) => [c.n, c]));
  assert.deepEqual(
    b.citations.map((c) => c.n),
    b.citations.map((_, i) => i + 1),
    'citations are numbered 1..n',
  );
  for (const bullet of b.bullets) {
    const markers = [...bullet.text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    assert.ok(markers.length >= 1, `uncited bullet: ${bullet.text}`);
    assert.match(bullet.text, /(\[\d+\])+[.!?]["'”’)]*$/, 'markers close the bullet');
    assert.deepEqual(
      bullet.citations.map((c) => c.n),
      [...new Set(markers)],
      'the bullet lists the citations its markers name',
    );
    for (const c of bullet.citations) assert.equal(byN.get(c.n), c);
    // Extractive: the first source states the bullet; the others are other articles.
    const claim = plain(bullet.text)
      .replace(/^[\d-]{4,10} — /, '')
      .replace(/[.!?]["'”’)]*$/, '');
    const [first, ...others] = bullet.citations;
    assert.ok(normalizeDisplay(first!.text).includes(claim), `[${first!.n}] does not contain "${claim}"`);
    const body = snap.bodies[first!.docId]!;
    assert.ok(
      first!.spans.some(([f, t]) => normalizeDisplay(body.slice(f, t)).includes(claim)),
      'a highlight span is the bullet',
    );
    for (const o of others) assert.notEqual(o.docId, first!.docId, 'corroboration comes from other articles');
  }
  for (let i = 0; i < b.bullets.length; i++)
    for (let j = i + 1; j < b.bullets.length; j++) {
      assert.ok(
        !nearDuplicate(plain(b.bullets[i]!.text), plain(b.bullets[j]!.text)),
        `near-duplicate bullets:\n  ${b.bullets[i]!.text}\n  ${b.bullets[j]!.text}`,
      );
    }
  // The articles used: exactly the cited ones, each once, in order of first citation, with their titles.
  const cited = [...new Set(b.citations.map((c) => c.docId))];
  assert.deepEqual(
    b.articlesUsed.map((d) => d.docId),
    cited,
  );
  for (const d of b.articlesUsed) {
    const meta = snap.manifest.documents.find((m) => m.id === d.docId)!;
    assert.equal(d.title, meta.title);
    assert.equal(d.outlet, meta.outlet);
    assert.equal(d.published, meta.published);
  }
  assert.ok(b.checks.length >= b.bullets.length, 'every bullet is checked against its sources');
  for (const c of b.checks) assert.equal(c.verdict, 'supported', `weak bullet: ${c.sentence}`);
}

/**
 * Summary bullets come in groups: each heading once, its bullets together, the general heading
 * last; a group's heading is its own words (it occurs in one of its bullets) and heads at least two.
 */
function assertGroupedByTheme(b: Briefing) {
  assert.equal(b.kind, 'summary');
  const runs: string[] = [];
  for (const bullet of b.bullets) {
    assert.ok(bullet.theme, `no heading: ${bullet.text}`);
    if (runs.at(-1) !== bullet.theme) runs.push(bullet.theme);
  }
  assert.equal(new Set(runs).size, runs.length, `a theme is split into several groups: ${runs.join(' / ')}`);
  if (runs.includes(GENERAL_THEME)) assert.equal(runs.at(-1), GENERAL_THEME);
  // "Main points" heads a briefing with no named group: alone, by construction.
  if (runs.includes(ONLY_THEME)) assert.deepEqual(runs, [ONLY_THEME]);
  for (const theme of runs.filter((t) => t !== GENERAL_THEME && t !== ONLY_THEME)) {
    const group = b.bullets.filter((x) => x.theme === theme);
    assert.ok(group.length >= 2, `a group of one has its own heading: ${theme}`);
    assert.ok(
      group.some((x) => fold(x.text).includes(fold(theme))),
      `"${theme}" is not in its bullets`,
    );
  }
}

const multiArticle = (b: Briefing) => b.bullets.filter((x) => new Set(x.citations.map((c) => c.docId)).size > 1);

test('the whole collection: 4–8 cited, distinct bullets grouped by theme, corroborated facts cite every article', async () => {
  const b = await local('');
  assertWellFormed(b);
  assertGroupedByTheme(b);
  assert.match(b.title, /whole collection \(8 articles\)/);
  assert.ok(new Set(b.bullets.map((x) => x.theme)).size >= 2, 'more than one theme');
  assert.ok(b.articlesUsed.length >= 3, `a briefing on everything draws on several articles (${b.articlesUsed.length})`);
  assert.ok(multiArticle(b).length >= 2, 'facts reported by several articles cite them all');

  // The ferry donation is in three articles in three wordings: one bullet, three citations.
  const ferry = b.bullets.filter((x) => /ferries/i.test(x.text));
  assert.equal(ferry.length, 1, `the ferry fact is stated once: ${ferry.map((x) => x.text).join(' | ')}`);
  assert.deepEqual(new Set(ferry[0]!.citations.map((c) => c.docId)), new Set(FERRY_DOCS));

  // The upgrade of relations is reported by most articles: the bullet stating it cites several of them.
  const reporting = Object.entries(snap.bodies)
    .filter(([, body]) => /comprehensive strategic partnership/i.test(body))
    .map(([id]) => id);
  assert.ok(reporting.length >= 3);
  const upgrade = b.bullets.filter((x) => /comprehensive strategic partnership/i.test(x.text));
  assert.ok(upgrade.length >= 1, 'the upgrade is in the briefing');
  assert.ok(
    upgrade.some((x) => new Set(x.citations.map((c) => c.docId)).size >= 3),
    `the upgrade cites several articles: ${upgrade.map((x) => x.text).join(' | ')}`,
  );
  for (const x of upgrade) for (const c of x.citations) assert.ok(reporting.includes(c.docId));

  // Two outlets name different ambassadors with the same title ("Ambassador to Vietnam Ito Naoki",
  // "… Yamada Takio"): a passage naming another holder of the title is not corroboration.
  let titled = 0;
  for (const x of b.bullets) {
    for (const m of plain(x.text).matchAll(/\b(Ambassador to \p{Lu}\p{Ll}+) (\p{Lu}\p{Ll}+ \p{Lu}\p{Ll}+)/gu)) {
      titled++;
      for (const c of x.citations) {
        if (fold(c.text).includes(fold(m[1]!)))
          assert.ok(fold(c.text).includes(fold(m[2]!)), `[${c.n}] is cited for ${m[1]} ${m[2]} but names someone else: ${x.text}`);
      }
    }
  }
  assert.ok(titled >= 1, 'the briefing names an ambassador (otherwise the check above proves nothing)');
});

test('a topic: bullets are on the topic, grouped, cited, distinct; the ferry topic merges its three reports', async () => {
  const b = await local('defence and security cooperation');
  assertWellFormed(b);
  assertGroupedByTheme(b);
  assert.equal(b.title, 'Briefing: Defence and security cooperation');
  const onTopic = b.bullets.filter((x) => /defen[cs]e|security|military|coast guard|patrol|maritime/i.test(x.text));
  assert.ok(onTopic.length >= b.bullets.length / 2, `${onTopic.length} of ${b.bullets.length} bullets are about defence or security`);
  assert.ok(!b.bullets.some((x) => /ferries/i.test(x.text)), 'nothing from unrelated articles');

  const ferry = await local('passenger ferries for the northern islands');
  const bullets = ferry.bullets.filter((x) => /ferries/i.test(x.text));
  assert.equal(bullets.length, 1, 'one bullet for the one fact');
  assert.deepEqual(new Set(bullets[0]!.citations.map((c) => c.docId)), new Set(FERRY_DOCS));
  for (const id of FERRY_DOCS)
    assert.ok(
      ferry.articlesUsed.some((d) => d.docId === id),
      `${id} is listed as used`,
    );
  if (ferry.bullets.length < 4)
    assert.ok(
      ferry.warnings.some((w) => /Only \d+ distinct facts/.test(w)),
      'a thin briefing says so',
    );
});

test('"how did X change over time" gives a timeline in date order', async () => {
  // (The second phrasing finds only two dated facts: the 2002–2014 milestones sentence absorbs the
  // others as "the same fact", see the report; it still has to be a timeline in date order.)
  for (const [topic, min] of [
    ['How did Vietnam-Japan relations change over time?', 3],
    ['How has the Vietnam-Japan partnership evolved?', 2],
  ] as const) {
    const b = await local(topic);
    assert.equal(b.kind, 'timeline');
    assert.match(b.title, /^Timeline: /);
    assertWellFormed(b, { min });
    const years = b.bullets.map((x) => x.year);
    for (const [i, x] of b.bullets.entries()) {
      assert.ok(x.year && x.year >= 1900 && x.year <= 2100, `bullet without a year: ${x.text}`);
      assert.ok(x.date?.startsWith(String(x.year)) && x.text.startsWith(`${x.date} — `), 'each bullet opens with its date');
      assert.ok(
        plain(x.text)
          .slice(x.date!.length + 3)
          .includes(String(x.year)),
        "the year is the article's, not made up",
      );
      assert.equal(x.theme, x.date);
      if (i > 0) assert.ok(x.year >= years[i - 1]!, `out of date order: ${years.join(', ')}`);
    }
    assert.ok(new Set(years).size >= min, `a timeline spans several dates: ${years.join(', ')}`);
  }
  // The same subject without the "over time" framing is a themed summary, not a timeline.
  assert.equal((await local('Vietnam-Japan relations')).kind, 'summary');
});

test('a topic the articles do not cover gives an empty briefing', async () => {
  const b = await local('the 2030 Olympic bid');
  assert.equal(b.empty, true);
  assert.deepEqual(b.bullets, []);
  assert.deepEqual(b.citations, []);
  assert.deepEqual(b.articlesUsed, []);
});

test('JSON: the briefing serialises, and `npm run brief -- --json` prints it in the public shape: bullets cite by number', async () => {
  const topic = 'Japanese companies expanding in Vietnam';
  const b = await local(topic);
  assertWellFormed(b, { min: 3 });
  const json = JSON.parse(JSON.stringify(b)) as Briefing;
  assert.equal(json.title, b.title);
  assert.equal(typeof json.title, 'string');
  for (const [i, x] of json.bullets.entries()) {
    assert.equal(typeof x.text, 'string');
    assert.equal(x.text, b.bullets[i]!.text);
    for (const c of x.citations) {
      assert.ok(Number.isInteger(c.n) && c.n >= 1);
      assert.ok(snap.manifest.documents.some((d) => d.id === c.docId));
      assert.equal(c.text, snap.passages.find((p) => p.id === c.passageId)!.text);
    }
  }

  const env = {
    ...process.env,
    DOSSIER_CORPUS_DIR: cfg.corpusDir,
    DOSSIER_INDEX_DIR: cfg.indexDir,
    DOSSIER_EMBEDDING_MODEL: 'none',
    DOSSIER_ENGINE: 'local',
    DOSSIER_LLM_PROVIDER: '',
  };
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'scripts', 'brief.ts'), topic, '--json'],
    { cwd: ROOT, env, timeout: 60_000 },
  );
  const cli = JSON.parse(stdout) as BriefingJson;
  assert.equal(cli.kind, 'summary');
  assert.equal(cli.engine, 'local');
  assert.deepEqual(
    cli.bullets.map((x) => x.citations),
    b.bullets.map((x) => x.citations.map((c) => c.n)),
  );
  assert.ok(cli.citations.every((c) => 'published' in c && !('date' in c)));
  assert.deepEqual({ ...cli, ms: 0 }, { ...briefingJson(b), ms: 0 }, 'the same briefing, field for field');
});
