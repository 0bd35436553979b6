import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { cleanBody, stripInlineMarkdown } from '@/lib/corpus/clean';
import { parseDocument } from '@/lib/corpus/load';
import { normalizeDisplay } from '@/lib/text/normalize';
import { CORPUS } from './helpers';

async function load(file: string) {
  const doc = parseDocument(file, await readFile(path.join(CORPUS, file)));
  const cleaned = cleanBody(doc.body, { title: doc.title, outlet: doc.outlet });
  return { doc, cleaned, text: cleaned.blocks.map((b) => normalizeDisplay(b.text)).join('\n') };
}

test('kept blocks are exact slices of the original body', async () => {
  for (const file of [
    'elevate-ties-comprehensive-strategic-partnership.md',
    'go-together-head-to-future.md',
    'vns-leaders-agree-to-upgrade-relations.md',
  ]) {
    const { doc, cleaned } = await load(file);
    assert.ok(cleaned.blocks.length > 5);
    for (const b of cleaned.blocks) assert.equal(doc.body.slice(b.start, b.end), b.text);
  }
});

test('the related-news list, comments link and repeated caption are removed; the body is intact', async () => {
  const { doc, text, cleaned } = await load('elevate-ties-comprehensive-strategic-partnership.md');
  assert.ok(doc.body.includes('Samsung willing to pay more'), 'fixture has the related list');
  assert.ok(!text.includes('Samsung'), 'related list removed');
  assert.ok(!text.includes('Comments (0)'));
  assert.ok(!text.includes('Read More'));
  assert.ok(!text.includes('Photo courtesy of Vietnam News Agency'), 'photo caption removed');
  assert.equal(cleaned.removed.filter((r) => r.reason === 'repeated paragraph').length, 1);
  assert.ok(!text.includes('By Minh Hue'), 'byline removed');
  // First and last paragraphs of the article body survive.
  assert.ok(text.includes('Vietnam and Japan have lifted their relations to a "comprehensive strategic partnership'));
  assert.ok(text.includes('freedom of navigation and overflight'));
});

test('the VOV page loses its follow-us line and duplicated related teasers, keeps the article', async () => {
  const { text } = await load('go-together-head-to-future.md');
  assert.ok(!text.includes('Mời quý độc giả'));
  assert.ok(!text.includes('Kamikawa Yoko'), 'related teaser removed');
  assert.ok(!text.includes('HCM City expects'));
  assert.ok(text.includes('Thirdly, the two countries committed to boosting cooperation'));
  assert.ok(text.includes('About 1 million Japanese tourists visit Vietnam yearly.'));
});

test('a metadata prefix and the dateline glued to the first line are dropped, keeping the text', async () => {
  const { text, doc, cleaned } = await load('vns-leaders-agree-to-upgrade-relations.md');
  assert.ok(text.startsWith('Việt Nam and Japan'), text.slice(0, 80));
  assert.ok(!doc.title.startsWith('date'));
  assert.ok(text.endsWith('(UNCLOS). — VNS'));
  assert.deepEqual(
    cleaned.removed.filter((r) => r.reason === 'dateline').map((r) => r.text),
    ['VIETNAM, November 27 - HÀ NỘI — '],
  );
});

test('datelines are a few capitalised words before a dash; ordinary first words stay', () => {
  const first = (lead: string, outlet?: string) => cleanBody(`${lead}\n\nA second paragraph follows here.`, { outlet }).blocks[0]!.text;
  assert.equal(first('WASHINGTON (AP) — Lawmakers met on Monday.'), 'Lawmakers met on Monday.');
  assert.equal(first('Uzhhorod, Ukraine CNN —\n\nFirst lady Jill Biden visited.'), 'First lady Jill Biden visited.');
  assert.equal(first('NEWSWIRE.EXAMPLE - The port reopened today.', 'Newswire.example'), 'The port reopened today.');
  assert.equal(first('U.S. - China talks resumed on Monday.'), 'U.S. - China talks resumed on Monday.');
  assert.equal(first('COVID-19 - A new wave is feared.'), 'COVID-19 - A new wave is feared.');
  assert.equal(
    first('Officials said — without giving details — that talks would resume.'),
    'Officials said — without giving details — that talks would resume.',
  );
});

test('a follow-us label just above the related list goes with it, in any language', () => {
  const body = [
    'Talks resume',
    '',
    'Negotiators met again on Tuesday.',
    '',
    'The next round is planned for April.',
    '',
    'Suivez-nous sur Example News',
    '',
    'Related',
    '',
    'Other story',
  ].join('\n');
  assert.deepEqual(
    cleanBody(body, { title: 'Talks resume' }).blocks.map((b) => b.text),
    ['Negotiators met again on Tuesday.', 'The next round is planned for April.'],
  );
});

test('cleaning is general: a made-up page with a "Read more" list and repeated paragraphs', () => {
  const body = [
    'Budget talks resume',
    '',
    'Posted 12 March 2024 | 10:02 am',
    '',
    'Negotiators met again on Tuesday to discuss the budget.',
    '',
    'The meeting lasted three hours, officials said.',
    '',
    'Negotiators met again on Tuesday to discuss the budget.',
    '',
    'Share on Facebook',
    '',
    'The next round is planned for April.',
    '',
    'Read more:',
    '',
    'Other story one',
    '',
    'Other story two',
  ].join('\n');
  const text = cleanBody(body, { title: 'Budget talks resume' }).blocks.map((b) => b.text);
  assert.deepEqual(text, [
    'Negotiators met again on Tuesday to discuss the budget.',
    'The meeting lasted three hours, officials said.',
    'The next round is planned for April.',
  ]);
});

test('inline Markdown is unwrapped, but underscores inside words and code are text', () => {
  assert.equal(
    stripInlineMarkdown('This is __bold__, **strong** and *light*, in [a link](http://x).'),
    'This is bold, strong and light, in a link.',
  );
  const code = 'Quoted: <script>window.__pwned=1</script> and <img onerror="window.__pwned=2"> in snake_case_names.';
  assert.equal(stripInlineMarkdown(code), code);
});
