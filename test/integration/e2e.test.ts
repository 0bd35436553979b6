/**
 * End-to-end tests of the web UI in a real browser (Debian's chromium driven by playwright-core)
 * against the production build (`next build` + `next start`), served from a private keyword-only
 * index of the corpus plus one hostile article. Screenshots go to test-output/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { ingest } from '@/lib/ingest';
import { ROOT, testConfig } from '@/test/helpers';
import { launchChromium } from '@/scripts/lib/browser';
import { startServer, type RunningServer } from '@/scripts/lib/server';

const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const QUESTION = 'When did Vietnam and Japan establish diplomatic relations?';
const HOSTILE_ID = 'zanthorpe-notes';
const HOSTILE_QUESTION = 'What markup did the Zanthorpe memo contain?';
// Markdown article whose title and body carry live-looking HTML. Only text may come out of it.
const HOSTILE_ARTICLE = `---
title: "Zanthorpe committee notes <img src=y onerror=\\"window.__pwned=3\\">"
outlet: "Test Wire"
published: 2023-11-30
---
Zanthorpe committee notes

The Zanthorpe committee met in Hanoi on Thursday to review a strange memo.

The Zanthorpe memo contained the markup <script>window.__pwned=1</script> and the tag <img src=x onerror="window.__pwned=2"> pasted into its opening paragraph, the committee chair said.

Members of the committee agreed to publish the memo unchanged as a record of the incident.
`;

// The private corpus and index are made at the top level, so the temporary folder lives until the file ends.
const cfg = await testConfig({ DOSSIER_EMBEDDING_MODEL: 'none' });
await writeFile(path.join(cfg.corpusDir, `${HOSTILE_ID}.md`), HOSTILE_ARTICLE);
const report = await ingest(cfg);
assert.ok(
  report.added.some((f) => f.includes(HOSTILE_ID)),
  'the hostile article is indexed',
);
assert.deepEqual(report.skipped, []);
const documentCount = report.added.length;

let server: RunningServer;
let browser: Browser;

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  const launching = launchChromium();
  server = await startServer({
    DOSSIER_CORPUS_DIR: cfg.corpusDir,
    DOSSIER_INDEX_DIR: cfg.indexDir,
    DOSSIER_ALLOW_REMOTE_MODELS: 'false',
    DOSSIER_ENGINE: 'local',
  });
  browser = await launching;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

type Opened = { page: Page; context: BrowserContext; errors: string[] };
type E2eContext = { t: TestContext; open: (options?: BrowserContextOptions) => Promise<Opened> };

/**
 * A test with fresh browser contexts (own sessionStorage): uncaught page errors are collected for
 * the test to assert on; on failure each page's screenshot, URL and text are saved for debugging.
 */
function e2e(name: string, options: { timeout: number }, fn: (c: E2eContext) => Promise<void>) {
  test(name, options, async (t) => {
    const opened: Opened[] = [];
    const open = async (contextOptions: BrowserContextOptions = {}) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
      context.setDefaultTimeout(15_000);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
      });
      opened.push({ page, context, errors });
      return { page, context, errors };
    };
    try {
      await fn({ t, open });
    } catch (error) {
      for (const [i, { page, errors }] of opened.entries()) {
        const file = `FAILED-${name.split(':')[0]!.replace(/\W+/g, '-')}-${i}.png`;
        await page.screenshot({ path: path.join(SHOTS, file), fullPage: true }).catch(() => {});
        const body = await page
          .locator('body')
          .innerText({ timeout: 2000 })
          .catch((e: Error) => `(no text: ${e.message})`);
        t.diagnostic(`page ${i} at ${page.url()} (screenshot ${file}); errors: ${JSON.stringify(errors)}\n${body.slice(0, 3000)}`);
      }
      t.diagnostic(`server output (tail):\n${server.output().slice(-3000)}`);
      throw error;
    } finally {
      for (const { context } of opened) await context.close().catch(() => {});
    }
  });
}

const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(SHOTS, name), fullPage });

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Types the question, presses Enter and waits until the stream has finished. */
async function ask(page: Page, question: string): Promise<Locator> {
  const before = await page.locator('[data-testid=answer]').count();
  const box = page.getByRole('textbox', { name: 'Your question' });
  await box.fill(question);
  await box.press('Enter');
  const answer = page.locator('[data-testid=answer]').nth(before);
  await answer.waitFor();
  await page.locator('[data-testid=answer][data-state=done]').nth(before).waitFor({ timeout: 30_000 });
  const alerts = await page.locator('.banner[role=alert]').allInnerTexts();
  assert.deepEqual(alerts, [], 'no error banner after the answer');
  return answer;
}

/**
 * No horizontal overflow: the page scrolls no wider than the screen and no text runs past its
 * edge. Measured against the configured viewport: in mobile emulation the layout viewport (and so
 * innerWidth) grows to fit overflowing content.
 */
async function assertNoHorizontalOverflow(page: Page, where: string) {
  const width = page.viewportSize()!.width;
  const m = await page.evaluate(() => {
    const range = document.createRange();
    range.selectNodeContents(document.body);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    return {
      scrollWidth: document.scrollingElement!.scrollWidth,
      innerWidth: window.innerWidth,
      textLeft: Math.min(...rects.map((r) => r.left)),
      textRight: Math.max(...rects.map((r) => r.right)),
    };
  });
  assert.ok(
    m.scrollWidth <= width + 1 && m.innerWidth <= width + 1,
    `${where}: the page is ${m.scrollWidth}px wide (window ${m.innerWidth}px) on a ${width}px screen`,
  );
  assert.ok(m.textLeft >= -1 && m.textRight <= width + 1, `${where}: content spans ${m.textLeft}–${m.textRight}px on a ${width}px screen`);
}

/** The popover lies wholly inside the window and nothing (such as a scrolling side panel) cuts it off. */
async function assertPopoverOnScreen(popover: Locator, where: string) {
  const box = await popover.evaluate((el) => {
    const b = el.getBoundingClientRect();
    const corners = [
      [b.left + 6, b.top + 6],
      [b.right - 6, b.top + 6],
      [b.left + 6, b.bottom - 6],
      [b.right - 6, b.bottom - 6],
    ];
    return {
      left: b.left,
      right: b.right,
      top: b.top,
      bottom: b.bottom,
      width: document.documentElement.clientWidth,
      height: window.innerHeight,
      cornersVisible: corners.map(([x, y]) => el.contains(document.elementFromPoint(x!, y!))),
    };
  });
  assert.ok(
    box.left >= 0 && box.right <= box.width && box.top >= 0 && box.bottom <= box.height,
    `${where}: popover ${JSON.stringify(box)}`,
  );
  assert.deepEqual(box.cornersVisible, [true, true, true, true], `${where}: the popover is not clipped`);
}

/** Ranges of a `highlight=a-b,c-d` query value. */
function ranges(url: string, param = 'highlight'): [number, number][] {
  const value = new URL(url).searchParams.get(param) ?? '';
  return value.split(',').map((r) => r.split('-').map(Number) as [number, number]);
}

/** The marked text on a source-viewer page equals the cited ranges of the document's text. */
async function assertHighlight(page: Page, docId: string) {
  const res = await fetch(`${server.url}/api/documents/${encodeURIComponent(docId)}`);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as { text: string };
  const marks = page.locator('mark[data-testid=cited]');
  await marks.first().waitFor();
  const marked = (await marks.allTextContents()).join('');
  for (const [a, b] of ranges(page.url())) {
    assert.ok(a < b, `range ${a}-${b}`);
    assert.ok(marked.includes(doc.text.slice(a, b)), `the marks contain the cited text ${a}-${b}: ${doc.text.slice(a, b)}`);
  }
  // ScrollToCited brings the first highlight on screen.
  await page.waitForFunction(() => {
    const r = document.getElementById('cited')?.getBoundingClientRect();
    return !!r && r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
  });
  return marked;
}

e2e(
  'ask: empty state, streamed answer with chips, popover on hover and focus, source viewer highlight that survives a reload',
  { timeout: 90_000 },
  async ({ t, open }) => {
    const { page, errors } = await open();
    await page.goto(server.url);

    // Empty state: example questions, and the library lists every indexed article.
    await page.getByRole('heading', { name: 'Ask the articles' }).waitFor();
    const examples = page.locator('.examples button');
    assert.ok((await examples.count()) >= 2, 'example questions are offered');
    assert.ok((await examples.allTextContents()).every((q) => q.trim().endsWith('?')));
    const library = page.getByTestId('library').locator('li');
    assert.equal(await library.count(), documentCount);
    const titles = await library.locator('a').allTextContents();
    assert.ok(
      titles.some((x) => x.includes('Vietnam, Japan go together')),
      titles.join(' | '),
    );
    assert.match(
      await page.locator('.header .meta').innerText(),
      new RegExp(`^${documentCount} articles · \\d+ passages · keyword search`),
    );

    // Watch the answer arrive: states and whether text showed while it was still streaming.
    await page.evaluate(() => {
      const w = window as unknown as { __seen: string[] };
      w.__seen = [];
      new MutationObserver(() => {
        const a = document.querySelector('[data-testid=answer]');
        if (!a) return;
        const text = [...a.querySelectorAll('[data-testid=answer-text] > span')].map((s) => s.textContent).join('');
        const entry = `${a.getAttribute('data-state')}:${text ? 'text' : 'empty'}`;
        if (w.__seen.at(-1) !== entry) w.__seen.push(entry);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    const answer = await ask(page, QUESTION);
    const seen = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
    t.diagnostic(`answer states seen: ${seen.join(' → ')}`);
    assert.equal(seen[0]?.split(':')[0], 'streaming', `the answer appears while streaming: ${seen.join(', ')}`);
    assert.ok(seen.includes('streaming:text'), `answer text is shown before the stream ends: ${seen.join(', ')}`);
    assert.equal(seen.at(-1), 'done:text', seen.join(', '));
    assert.equal(await page.locator('.msg.user').innerText(), QUESTION);
    assert.equal(await page.locator('.empty').count(), 0, 'the empty state is gone');
    const text = await answer.getByTestId('answer-text').innerText();
    assert.match(text, /1973/, text);
    assert.match(await answer.locator('.status').innerText(), /Local answer · keyword search only/);

    const chips = answer.getByTestId('answer-text').locator('a.chip');
    assert.ok((await chips.count()) >= 1, 'at least one citation chip');
    const chip = chips.first();
    const n = await chip.getAttribute('data-citation');
    assert.match((await chip.getAttribute('aria-label')) ?? '', /^Source \d+: /);
    const quote = squash((await answer.locator(`.sources li[value="${n}"] .quote`).innerText()).replace(/^“|”$/g, ''));
    await shot(page, 'chat-answer.png');

    // Hover: the popover shows the cited passage.
    await chip.hover();
    const popover = page.locator(`[role=tooltip][data-popover="${n}"]`);
    await popover.waitFor();
    assert.equal(await chip.getAttribute('aria-describedby'), await popover.getAttribute('id'));
    const popText = squash(await popover.innerText());
    assert.ok(popText.includes(quote.slice(0, 60)), `the popover shows the passage:\n${popText}\n${quote}`);
    assert.ok(popText.length > 80);
    const [srcBox, passageBox] = await Promise.all([
      popover.locator('.src').boundingBox(),
      popover.locator(':scope > span').nth(1).boundingBox(),
    ]);
    assert.ok(srcBox && passageBox && passageBox.y >= srcBox.y + srcBox.height - 1, 'the passage starts on a line below the source line');
    await assertPopoverOnScreen(popover, 'answer chip on a desktop');
    await shot(page, 'chat-hover-popover.png');
    await page.mouse.move(5, 5);
    await popover.waitFor({ state: 'detached' });

    // Focus opens it too; Escape closes it.
    await chip.focus();
    await popover.waitFor();
    await chip.press('Escape');
    await popover.waitFor({ state: 'detached' });

    // Click: the source viewer with the cited sentences marked.
    const href = await chip.getAttribute('href');
    assert.match(href ?? '', /^\/documents\/[^?]+\?highlight=\d+-\d+(,\d+-\d+)*&passage=\d+-\d+#cited$/);
    await chip.click();
    await page.waitForURL(/\/documents\/[^/?]+\?highlight=\d+-\d+/);
    const docId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    const marked = await assertHighlight(page, docId);
    assert.ok(popText.includes(squash(marked).slice(0, 40)), `the highlighted text is from the cited passage: ${marked}`);
    await shot(page, 'source-viewer.png');

    // The URL is shareable: a reload shows the same highlight.
    await page.reload();
    assert.equal(await assertHighlight(page, docId), marked);

    // Back to the conversation: it was kept.
    await page.getByRole('link', { name: '← Back to the conversation' }).click();
    await page.locator('[data-testid=answer][data-state=done]').waitFor();
    assert.equal(squash(await page.getByTestId('answer-text').innerText()), squash(text));
    assert.deepEqual(errors, []);
  },
);

e2e('keyword-only index: a banner says so and how to enable semantic search', { timeout: 30_000 }, async ({ open }) => {
  const { page, errors } = await open();
  await page.goto(server.url);
  const banner = page.getByTestId('warning-banner');
  await banner.waitFor();
  assert.equal(await banner.getAttribute('role'), 'status');
  const text = await banner.innerText();
  assert.match(text, /Semantic search is off/);
  assert.match(text, /keywords only/);
  assert.match(text, /To enable semantic search/);
  assert.match(text, /npm run ingest -- --rebuild/);
  assert.match(await page.locator('.side .hint').innerText(), /none \(keyword search only\)/);
  assert.deepEqual(errors, []);
});

e2e('briefing: "Brief me" with a topic gives bullets with citation chips', { timeout: 45_000 }, async ({ open }) => {
  const { page, errors } = await open();
  await page.goto(server.url);
  await page.getByRole('textbox', { name: 'Briefing topic' }).fill('defence and security');
  await page.getByRole('button', { name: 'Brief me' }).click();
  const briefing = page.getByTestId('briefing');
  await briefing.waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Brief me' }).waitFor();
  assert.match(await briefing.locator('h3').innerText(), /defence/i);
  assert.equal(await briefing.locator('.refused').count(), 0, 'the topic is covered');
  const bullets = briefing.locator('ul > li');
  assert.ok((await bullets.count()) >= 2, 'several bullets');
  const chipsPerBullet = await bullets.evaluateAll((lis) => lis.map((li) => li.querySelectorAll('a.chip').length));
  assert.ok(
    chipsPerBullet.every((c) => c >= 1),
    `every bullet cites a source: ${chipsPerBullet}`,
  );
  assert.ok((await briefing.locator('.sources li').count()) >= 1);
  assert.match(await briefing.locator('.used').innerText(), /^Articles used: ./);
  // Briefing chips behave like answer chips.
  const chip = bullets.first().locator('a.chip').first();
  await chip.scrollIntoViewIfNeeded();
  await chip.hover();
  const popover = page.locator(`[role=tooltip][data-popover="${await chip.getAttribute('data-citation')}"]`);
  await popover.waitFor();
  assert.ok((await popover.innerText()).length > 80);
  await assertPopoverOnScreen(popover, 'briefing chip in the side panel');
  await shot(page, 'briefing.png');
  assert.deepEqual(errors, []);
});

/** Nothing from the hostile article ran or became an element. */
async function assertNotInjected(page: Page, where: string) {
  const found = await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    return {
      pwned: [w.__pwned, w.pwned].filter((x) => x !== undefined),
      scripts: [...document.scripts].filter((s) => /^\s*window\.(__)?pwned/.test(s.textContent ?? '')).length,
      imgs: [...document.querySelectorAll('img')].filter(
        (i) => ['x', 'y'].includes(i.getAttribute('src') ?? '') || i.hasAttribute('onerror'),
      ).length,
      onerror: document.querySelectorAll('[onerror]').length,
      // Article text is only ever rendered inside spans, marks, chips and list items (the library's
      // own remove buttons, which the app renders with a fixed label, aside).
      tags: [...document.querySelectorAll('[data-testid=document-text] *, [data-testid=answer-text] *, .popover *, .library *, .sources *')]
        .filter((e) => !e.matches('.library button.remove'))
        .map((e) => e.tagName)
        .filter((tag) => !['SPAN', 'MARK', 'A', 'STRONG', 'BR', 'DIV', 'OL', 'LI'].includes(tag)),
    };
  });
  assert.deepEqual(found, { pwned: [], scripts: 0, imgs: 0, onerror: 0, tags: [] }, where);
}

e2e(
  'XSS: markup in an article (source viewer, library, answer, popover) is shown as text, never run',
  { timeout: 60_000 },
  async ({ open }) => {
    const { page, errors } = await open();

    // The source viewer.
    await page.goto(`${server.url}/documents/${HOSTILE_ID}`);
    const body = page.getByTestId('document-text');
    await body.waitFor();
    const shown = await body.innerText();
    assert.ok(shown.includes('<script>window.'), shown);
    assert.ok(shown.includes('</script>'), shown);
    assert.ok(shown.includes('<img src=x onerror="window.'), shown);
    assert.ok(await page.getByText('<script>window.', { exact: false }).isVisible(), 'the literal <script> is visible');
    assert.ok((await page.locator('h1').innerText()).includes('<img src=y onerror='));
    await page.waitForTimeout(300);
    await assertNotInjected(page, 'source viewer');
    await shot(page, 'xss-source-viewer.png');

    // The library panel lists the hostile title as text.
    await page.goto(server.url);
    const entry = page.getByTestId('library').getByRole('link', { name: /Zanthorpe committee notes/ });
    assert.ok((await entry.innerText()).includes('<img src=y onerror="window.__pwned=3">'));
    await assertNotInjected(page, 'library');

    // An answer that cites it: answer text, popover, sources list and the viewer through the chip.
    const answer = await ask(page, HOSTILE_QUESTION);
    const text = await answer.getByTestId('answer-text').innerText();
    assert.ok(text.includes('<script>window.'), text);
    const chip = answer.getByTestId('answer-text').locator('a.chip').first();
    assert.match((await chip.getAttribute('href')) ?? '', new RegExp(`^/documents/${HOSTILE_ID}\\?`));
    await chip.hover();
    const popover = page.locator('[role=tooltip]');
    await popover.waitFor();
    assert.ok((await popover.innerText()).includes('<script>window.'));
    assert.ok((await popover.innerText()).includes('<img src=y'));
    await assertNotInjected(page, 'answer and popover');
    await chip.click();
    await page.waitForURL(new RegExp(`/documents/${HOSTILE_ID}\\?highlight=`));
    const marked = await assertHighlight(page, HOSTILE_ID);
    assert.ok(marked.includes('<script>window.'), marked);
    await assertNotInjected(page, 'source viewer via chip');

    // Hostile query strings and ids are ignored or refused, not reflected into markup.
    const odd = await page.goto(
      `${server.url}/documents/${HOSTILE_ID}?highlight=${encodeURIComponent('"><script>window.__pwned=4</script>')}&passage=9-1`,
    );
    assert.equal(odd?.status(), 200);
    assert.equal(await page.locator('mark').count(), 0);
    await assertNotInjected(page, 'hostile query string');
    const missing = await page.goto(`${server.url}/documents/${encodeURIComponent('../../etc/passwd')}`);
    assert.equal(missing?.status(), 404);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    assert.deepEqual(
      errors.filter((e) => !/404/.test(e)),
      [],
    );
  },
);

e2e(
  'keyboard: Shift+Enter adds a line without sending, Enter sends, Tab reaches a citation chip',
  { timeout: 45_000 },
  async ({ open }) => {
    const { page, errors } = await open();
    await page.goto(server.url);
    const box = page.getByRole('textbox', { name: 'Your question' });
    await box.click();
    await page.keyboard.type('What did Kishida Fumio say');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('about Vietnam?');
    assert.equal(await box.inputValue(), 'What did Kishida Fumio say\nabout Vietnam?');
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.msg.user').count(), 0, 'Shift+Enter did not send');
    assert.equal(await page.locator('.empty').count(), 1);

    await page.keyboard.press('Enter');
    await page.locator('[data-testid=answer][data-state=done]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.msg.user').innerText(), 'What did Kishida Fumio say\nabout Vietnam?');
    assert.equal(await box.inputValue(), '', 'the box is cleared after sending');
    assert.ok((await page.locator('[data-testid=answer-text] a.chip').count()) >= 1);

    // From the top of the page (a click on the title sets where Tab starts), Tab reaches the first chip and opens its popover.
    await page.locator('.header h1').click();
    let focused = '';
    for (let i = 0; i < 10 && !focused.startsWith('chip'); i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => {
        const e = document.activeElement;
        return e?.matches('[data-testid=answer-text] a.chip') ? `chip ${e.getAttribute('data-citation')}` : (e?.tagName ?? '');
      });
    }
    assert.match(focused, /^chip \d+$/, 'Tab reaches a citation chip');
    await page.locator(`[role=tooltip][data-popover="${focused.split(' ')[1]}"]`).waitFor();
    assert.ok(await page.evaluate(() => document.activeElement!.matches(':focus-visible')), 'the focused chip shows a focus ring');
    // Enter on the focused chip opens the source.
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/documents\/[^/?]+\?highlight=\d+-\d+/);
    await page.locator('mark[data-testid=cited]').first().waitFor();
    assert.deepEqual(errors, []);
  },
);

e2e('phone width in dark mode: renders, dark colours, no horizontal overflow', { timeout: 60_000 }, async ({ open }) => {
  const { page, errors } = await open({
    viewport: { width: 390, height: 844 },
    colorScheme: 'dark',
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Ask the articles' }).waitFor();
  assert.ok(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches));
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(21, 21, 23)', 'dark background');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).color), 'rgb(236, 236, 239)', 'light text');
  await assertNoHorizontalOverflow(page, 'empty state');
  // The library panel drops below the conversation rather than squeezing it.
  const [main, side] = await Promise.all([page.locator('main').boundingBox(), page.locator('aside').boundingBox()]);
  assert.ok(main && side && side.y >= main.y + main.height - 1 && side.width > 300, 'the side panel stacks under the conversation');

  await ask(page, QUESTION);
  await assertNoHorizontalOverflow(page, 'with an answer');
  // A popover opened on a chip stays inside the window too.
  const chips = page.getByTestId('answer-text').locator('a.chip');
  for (let i = 0; i < (await chips.count()); i++) {
    await chips.nth(i).focus();
    await page.locator('[role=tooltip]').waitFor();
    await assertNoHorizontalOverflow(page, `with the popover of chip ${i + 1} open`);
    await assertPopoverOnScreen(page.locator('[role=tooltip]'), `phone, chip ${i + 1}`);
  }
  await chips.first().focus();
  await shot(page, 'phone-dark.png');

  await page.getByRole('button', { name: 'Brief me' }).click();
  await page.getByTestId('briefing').waitFor({ timeout: 30_000 });
  await assertNoHorizontalOverflow(page, 'with a briefing');

  await page.goto(`${server.url}/documents/${HOSTILE_ID}?highlight=0-20`);
  await page.locator('mark').first().waitFor();
  await assertNoHorizontalOverflow(page, 'source viewer');
  await shot(page, 'phone-dark-source-viewer.png');
  assert.deepEqual(errors, []);
});
