#!/usr/bin/env node
// Validates the evaluation gold sets in eval/ against the source articles.
//
//   node eval/check-gold.mjs [--articles DIR] [--notes]
//   node eval/check-gold.mjs --collection news-2022 [--notes]
//
// Without --collection it checks the seed sets gold.jsonl, paraphrase.jsonl and
// briefing-topics.jsonl against --articles. With --collection NAME it checks that
// collection's question and briefing files from eval/collections.json against its
// corpus, as a dev set: every question has a "kind" and a "style", tags are optional,
// the mix rules below are the dev-set ones, and each unanswerable question gets a
// report of which of its names and numbers do occur in the corpus (to review by
// hand that the collection really does not answer it).
//
// Checks:
//  - every line parses as JSON and has the required fields with the right types
//  - ids are unique across all three files
//  - every evidence snippet occurs verbatim (exact substring) in the body of at
//    least one article (before page boilerplate such as "Comments (0)",
//    "Related" lists or "Mời quý độc giả ..."), within a single paragraph
//  - answerable questions have >= 1 evidence and >= 1 answer, and at least one
//    answer occurs (normalised) in a paragraph that contains an evidence snippet
//  - unanswerable questions have no answers/evidence and the "unanswerable" tag
//  - "multi" questions cite evidence from >= 2 articles; "accent" questions are
//    typed without diacritics while some evidence has them
//  - each briefing fact has at least one alternative that occurs in the corpus
//  - minimum counts of the required question mix
// Prints counts per tag and every problem; exits 1 if there are problems.
// No dependencies; plain Node (>= 18).

import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const argVal = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const root = resolve(here, '..');
const COLLECTION_NAME = argVal('--collection');
const collection = COLLECTION_NAME ? loadCollection(COLLECTION_NAME) : undefined;
const ARTICLES = collection
  ? resolve(root, collection.corpus)
  : (argVal('--articles') ?? process.env.DOSSIER_ARTICLES ?? '/work/shared/articles');
const SHOW_NOTES = args.includes('--notes');
const KINDS = ['who', 'where', 'when', 'how-many', 'how-much', 'which-org', 'which-work', 'what', 'yes-no', 'why', 'how'];
const STYLES = ['plain', 'quiz', 'paraphrase'];

function loadCollection(name) {
  const all = JSON.parse(readFileSync(join(here, 'collections.json'), 'utf8')).collections;
  const found = all.find((c) => c.name === name);
  if (!found) {
    console.error(`no collection "${name}" in eval/collections.json (have: ${all.map((c) => c.name).join(', ')})`);
    process.exit(1);
  }
  return found;
}

const problems = [];
const notes = [];
const problem = (where, msg) => problems.push(`${where}: ${msg}`);
const note = (where, msg) => notes.push(`${where}: ${msg}`);

// ---------- normalisation (case, accents, quotes, whitespace) ----------
function norm(s) {
  return String(s)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[\u2018\u2019\u201A\u201B\u2032\u0060\u00B4]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}
const hasDiacritics = (s) => /\p{M}/u.test(String(s).normalize('NFD')) || /[đĐ]/.test(s);
const wordCount = (s) => s.trim().split(/\s+/).filter(Boolean).length;

// ---------- corpus ----------
// Page boilerplate starts at the first of these lines; snippets must come from before it.
const BOILERPLATE_START = [/^Comments \(\d+\)/m, /^Related\s*$/m, /^Mời quý độc giả/m, /^\s*•\s*Read More/m];

if (!existsSync(ARTICLES)) {
  console.error(`articles directory not found: ${ARTICLES}`);
  process.exit(1);
}
const articles = readdirSync(ARTICLES)
  .filter((f) => !f.startsWith('.'))
  .sort()
  .map((f) => {
    const text = readFileSync(join(ARTICLES, f), 'utf8').replace(/\r\n?/g, '\n');
    let cut = text.length;
    for (const re of BOILERPLATE_START) {
      const m = re.exec(text);
      if (m && m.index < cut) cut = m.index;
    }
    const body = text.slice(0, cut);
    // A paragraph is a line: some files separate paragraphs by blank lines,
    // others by single newlines, so splitting on \n is right for both.
    const paragraphs = body.split('\n').filter((p) => p.trim() !== '');
    const paraCount = new Map();
    for (const p of paragraphs) paraCount.set(p.trim(), (paraCount.get(p.trim()) ?? 0) + 1);
    return { file: f, text, body, paragraphs, paraCount, normText: norm(text) };
  });
if (articles.length === 0) {
  console.error(`no articles in ${ARTICLES}`);
  process.exit(1);
}

// ---------- loading ----------
function loadJsonl(name) {
  const path = collection ? resolve(root, name) : join(here, name);
  if (!existsSync(path)) {
    problem(name, 'file missing');
    return [];
  }
  const rows = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        rows.push({ row: JSON.parse(line), where: `${name}:${i + 1}` });
      } catch (e) {
        problem(`${name}:${i + 1}`, `invalid JSON (${e.message})`);
      }
    });
  return rows;
}

const seenIds = new Map();
function checkId(row, where) {
  if (typeof row.id !== 'string' || row.id.trim() === '') {
    problem(where, 'id must be a non-empty string');
    return;
  }
  if (seenIds.has(row.id)) problem(where, `duplicate id "${row.id}" (also at ${seenIds.get(row.id)})`);
  else seenIds.set(row.id, where);
}

const isStrArray = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string');

// ---------- questions ----------
function checkQuestions(name, { requireTag, dev = false } = {}) {
  const rows = loadJsonl(name);
  const tagCounts = {};
  const kindCounts = {};
  const styleCounts = {};
  const articlesHit = new Set();
  const unanswerableReport = [];
  let answerable = 0;
  for (const { row, where: w0 } of rows) {
    const where = `${w0} [${row?.id ?? '?'}]`;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      problem(where, 'line is not a JSON object');
      continue;
    }
    checkId(row, where);
    const allowed = new Set(['id', 'question', 'answers', 'evidence', 'answerable', 'tags', ...(dev ? ['kind', 'style'] : [])]);
    for (const k of Object.keys(row)) if (!allowed.has(k)) problem(where, `unexpected field "${k}"`);
    if (dev) {
      if (!KINDS.includes(row.kind)) problem(where, `kind must be one of ${KINDS.join(', ')}`);
      if (!STYLES.includes(row.style)) problem(where, `style must be one of ${STYLES.join(', ')}`);
      const key = row.answerable === false ? 'unanswerable' : 'answerable';
      (kindCounts[row.kind] ??= { answerable: 0, unanswerable: 0 })[key]++;
      (styleCounts[row.style] ??= { answerable: 0, unanswerable: 0 })[key]++;
    }
    if (typeof row.question !== 'string' || row.question.trim() === '') problem(where, 'question must be a non-empty string');
    if (!isStrArray(row.answers)) problem(where, 'answers must be an array of strings');
    if (!isStrArray(row.evidence)) problem(where, 'evidence must be an array of strings');
    if (typeof row.answerable !== 'boolean') problem(where, 'answerable must be a boolean');
    if (dev ? row.tags !== undefined && !isStrArray(row.tags) : !isStrArray(row.tags) || row.tags.length === 0)
      problem(where, dev ? 'tags must be an array of strings' : 'tags must be a non-empty array of strings');
    const tags = isStrArray(row.tags) ? row.tags : [];
    for (const t of tags) tagCounts[t] = (tagCounts[t] ?? 0) + 1;
    if (new Set(tags).size !== tags.length) problem(where, 'duplicate tags');
    if (requireTag && !tags.includes(requireTag)) problem(where, `missing required tag "${requireTag}"`);
    const answers = isStrArray(row.answers) ? row.answers : [];
    const evidence = isStrArray(row.evidence) ? row.evidence : [];
    for (const a of answers) if (norm(a) === '') problem(where, 'empty answer string');
    if (new Set(evidence).size !== evidence.length) problem(where, 'duplicate evidence snippets');

    if (row.answerable === false) {
      if (answers.length) problem(where, 'unanswerable question must have answers []');
      if (evidence.length) problem(where, 'unanswerable question must have evidence []');
      if (!dev && !tags.includes('unanswerable')) problem(where, 'unanswerable question must be tagged "unanswerable"');
      if (dev && typeof row.question === 'string')
        unanswerableReport.push({ id: row.id, question: row.question, found: namesInCorpus(row.question) });
      continue;
    }
    if (row.answerable !== true) continue;
    answerable++;
    if (tags.includes('unanswerable')) problem(where, 'answerable question tagged "unanswerable"');
    if (dev && typeof row.question === 'string') {
      // A question that quotes its own evidence is not a retrieval test.
      for (const ev of evidence)
        if (norm(row.question).includes(norm(ev))) problem(where, `question contains its evidence verbatim: "${ev}"`);
    }
    if (answers.length === 0) problem(where, 'answerable question needs >= 1 answer');
    if (evidence.length === 0) problem(where, 'answerable question needs >= 1 evidence snippet');

    // evidence: verbatim, in article body, single paragraph, sensible length
    const evidenceParas = [];
    const filesHit = new Set();
    for (const ev of evidence) {
      const n = wordCount(ev);
      if (n < 6 || n > 25) problem(where, `evidence should be 6-25 words (has ${n}): "${ev}"`);
      if (/\n/.test(ev)) problem(where, `evidence spans a paragraph break: "${ev}"`);
      if (ev !== ev.trim()) problem(where, `evidence has leading/trailing whitespace: "${ev}"`);
      let found = false;
      let onlyBoilerplate = false;
      for (const a of articles) {
        if (!a.text.includes(ev)) continue;
        if (!a.body.includes(ev)) {
          onlyBoilerplate = true;
          continue;
        }
        found = true;
        filesHit.add(a.file);
        articlesHit.add(a.file);
        for (const p of a.paragraphs) {
          if (!p.includes(ev)) continue;
          evidenceParas.push({ file: a.file, p });
          if (a.paraCount.get(p.trim()) > 1) note(where, `evidence is in a paragraph repeated in ${a.file} (caption?): "${ev}"`);
        }
      }
      if (!found) {
        if (onlyBoilerplate) problem(where, `evidence only occurs in page boilerplate: "${ev}"`);
        else {
          const normHit = articles.filter((a) => a.normText.includes(norm(ev))).map((a) => a.file);
          problem(
            where,
            `evidence not found verbatim${normHit.length ? ` (matches only after normalising, in ${normHit.join(', ')})` : ''}: "${ev}"`,
          );
        }
      }
    }

    // answer near evidence
    if (answers.length && evidenceParas.length) {
      const ok = answers.some((ans) => evidenceParas.some(({ p }) => norm(p).includes(norm(ans))));
      if (!ok) problem(where, `no answer (${JSON.stringify(answers)}) occurs in a paragraph containing the evidence`);
    }

    // tag-specific checks
    if (tags.includes('multi') && filesHit.size < 2) problem(where, `tagged "multi" but evidence comes from ${filesHit.size} article(s)`);
    if (tags.includes('accent')) {
      if (hasDiacritics(row.question)) problem(where, 'tagged "accent" but the question itself contains diacritics');
      if (!evidence.some(hasDiacritics)) problem(where, 'tagged "accent" but no evidence snippet contains diacritics');
    }

    // informational: other articles that contain an answer but are not cited
    if (SHOW_NOTES && answers.length) {
      for (const a of articles) {
        if (filesHit.has(a.file)) continue;
        const bodyNorm = norm(a.body);
        const hit = answers.find((ans) => bodyNorm.includes(norm(ans)));
        if (hit) note(where, `answer "${hit}" also appears in uncited ${a.file} (same fact there?)`);
      }
    }
  }
  return { name, total: rows.length, answerable, tagCounts, kindCounts, styleCounts, articles: articlesHit.size, unanswerableReport };
}

// Names and numbers in a question (capitalised words after the first, figures), with the
// number of articles holding each: a reviewer's aid for unanswerable questions, since a
// question about a person the corpus covers, but an event it does not, is the hard case.
function namesInCorpus(question) {
  const words = question
    .replace(/[?.,!"“”]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .slice(1);
  const names = [...new Set(words.filter((w) => /^(\p{Lu}|\d)/u.test(w) && w.length > 1).map((w) => w.replace(/[’']s$/, '')))];
  return names.map((n) => ({ n, count: articles.filter((a) => norm(a.body).includes(norm(n))).length })).filter((x) => x.count > 0);
}

// ---------- briefing topics ----------
function checkBriefings(name) {
  const rows = loadJsonl(name);
  const articlesHit = new Set();
  let wholeCollection = 0;
  let factCount = 0;
  for (const { row, where: w0 } of rows) {
    const where = `${w0} [${row?.id ?? '?'}]`;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      problem(where, 'line is not a JSON object');
      continue;
    }
    checkId(row, where);
    for (const k of Object.keys(row)) if (!['id', 'topic', 'facts'].includes(k)) problem(where, `unexpected field "${k}"`);
    if (typeof row.topic !== 'string') problem(where, 'topic must be a string ("" = whole collection)');
    else if (row.topic.trim() === '') wholeCollection++;
    if (!Array.isArray(row.facts)) {
      problem(where, 'facts must be an array of arrays of strings');
      continue;
    }
    if (row.facts.length < 3 || row.facts.length > 6) problem(where, `expected 3-6 facts, got ${row.facts.length}`);
    row.facts.forEach((alts, i) => {
      factCount++;
      if (!isStrArray(alts) || alts.length === 0) {
        problem(where, `fact ${i + 1} must be a non-empty array of strings`);
        return;
      }
      for (const s of alts) {
        if (norm(s) === '') problem(where, `fact ${i + 1} has an empty alternative`);
        if (wordCount(s) > 4) problem(where, `fact ${i + 1} alternative longer than 4 words: "${s}"`);
      }
      const holding = articles.filter((a) => alts.some((s) => norm(a.body).includes(norm(s))));
      for (const a of holding) articlesHit.add(a.file);
      if (!holding.length) problem(where, `fact ${i + 1} (${JSON.stringify(alts)}) occurs in no article body`);
    });
  }
  return { name, total: rows.length, wholeCollection, factCount, articles: articlesHit.size };
}

// ---------- run ----------
const need = (cond, msg) => {
  if (!cond) problem('mix', msg);
};
const countLine = (counts) =>
  Object.entries(counts)
    .sort((a, b) => b[1].answerable + b[1].unanswerable - (a[1].answerable + a[1].unanswerable) || a[0].localeCompare(b[0]))
    .map(([k, c]) => `${k}=${c.answerable}${c.unanswerable ? `+${c.unanswerable}u` : ''}`)
    .join(' ');

if (collection) {
  const sets = collection.questions.map((f) => checkQuestions(f, { dev: true }));
  const briefs = (collection.briefs ?? []).map((f) => checkBriefings(f));
  const total = sets.reduce((a, r) => a + r.total, 0);
  const answerable = sets.reduce((a, r) => a + r.answerable, 0);
  const topics = briefs.reduce((a, r) => a + r.total, 0);
  // The dev-set mix asked for in issue 9 ("Your own yardstick").
  need(total >= 120, `${collection.name} needs >= 120 questions (has ${total})`);
  need(total - answerable >= 25, `${collection.name} needs >= 25 unanswerable questions (has ${total - answerable})`);
  need(
    sets.every((r) => r.articles >= 80),
    `${collection.name} questions should draw on >= 80 distinct articles (${sets.map((r) => r.articles).join(', ')})`,
  );
  need(topics >= 5, `${collection.name} needs >= 5 briefing topics (has ${topics})`);
  console.log(`articles: ${articles.length} in ${ARTICLES}`);
  for (const r of sets) {
    console.log(
      `${r.name}: ${r.total} questions (${r.answerable} answerable, ${r.total - r.answerable} unanswerable), evidence from ${r.articles} distinct articles`,
    );
    console.log(`  kind (answerable+unanswerable): ${countLine(r.kindCounts)}`);
    console.log(`  style: ${countLine(r.styleCounts)}`);
  }
  for (const b of briefs) console.log(`${b.name}: ${b.total} topics, ${b.factCount} facts, facts found in ${b.articles} distinct articles`);
  const report = sets.flatMap((r) => r.unanswerableReport);
  if (report.length) {
    console.log(`\nunanswerable questions: names and numbers that do occur in the corpus (check by hand that the answer does not):`);
    for (const u of report)
      console.log(`  ${u.id}: ${u.found.length ? u.found.map((f) => `${f.n} (${f.count})`).join(', ') : '-'}  | ${u.question}`);
  }
} else {
  const gold = checkQuestions('gold.jsonl');
  const para = checkQuestions('paraphrase.jsonl', { requireTag: 'paraphrase' });
  const brief = checkBriefings('briefing-topics.jsonl');
  const g = gold.tagCounts;
  need(gold.total >= 44, `gold.jsonl needs >= 44 questions (has ${gold.total})`);
  need((g.accent ?? 0) >= 6, `gold.jsonl needs >= 6 "accent" questions (has ${g.accent ?? 0})`);
  need((g.multi ?? 0) >= 8, `gold.jsonl needs >= 8 "multi" questions (has ${g.multi ?? 0})`);
  need((g.figure ?? 0) + (g.date ?? 0) >= 10, `gold.jsonl needs >= 10 "figure"/"date" questions`);
  need((g.unanswerable ?? 0) >= 8, `gold.jsonl needs >= 8 "unanswerable" questions (has ${g.unanswerable ?? 0})`);
  need(para.answerable >= 16, `paraphrase.jsonl needs >= 16 answerable questions (has ${para.answerable})`);
  need(para.answerable === para.total, 'paraphrase.jsonl questions must all be answerable');
  need(brief.total >= 5, `briefing-topics.jsonl needs >= 5 topics (has ${brief.total})`);
  need(brief.wholeCollection >= 1, 'briefing-topics.jsonl needs one topic "" (whole collection)');

  console.log(`articles: ${articles.length} in ${ARTICLES}`);
  for (const r of [gold, para]) {
    const tags = Object.entries(r.tagCounts)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([t, n]) => `${t}=${n}`)
      .join(' ');
    console.log(`${r.name}: ${r.total} questions (${r.answerable} answerable, ${r.total - r.answerable} unanswerable) | ${tags}`);
  }
  console.log(`${brief.name}: ${brief.total} topics, ${brief.factCount} facts, ${brief.wholeCollection} whole-collection topic(s)`);
}

if (notes.length) {
  console.log(`\nnotes (${notes.length}):`);
  for (const n of notes) console.log(`  - ${n}`);
}
if (problems.length) {
  console.log(`\nPROBLEMS (${problems.length}):`);
  for (const p of problems) console.log(`  - ${p}`);
  process.exit(1);
}
console.log('\nOK: all checks passed');
