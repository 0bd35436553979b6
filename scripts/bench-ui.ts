/**
 * UI latency benchmark: the production server on the real index, a headless chromium typing
 * questions into the chat box. For each question it measures, inside the page, the time from the
 * Enter key to the first answer text in the DOM and to the finished answer (the answer's
 * data-state turns "done" when the stream has ended).
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { formatSpread, spread } from './lib/bench/stats';
import { cliArgs, runCli } from './lib/cli/args';
import { table } from './lib/cli/table';
import { getConfig } from '@/lib/config';
import { loadJsonl, questionSchema } from './lib/eval/gold';
import { containsAny } from './lib/eval/metrics';
import { openStore } from '@/lib/store/open';
import { launchChromium } from './lib/browser';
import { ROOT, startServer } from './lib/server';

const usage = `Usage: npm run bench:ui [-- --questions 10] [--runs 1] [--chromium /usr/bin/chromium]

Starts the production server on the index in DOSSIER_INDEX_DIR (default .dossier; build it with
\`npm run ingest\`), opens the chat in headless chromium and asks the first N answerable questions
of eval/gold.jsonl, each --runs times in a fresh conversation, after one unmeasured warm-up
(repeat runs of a question may be served from the server's query cache).
Prints per-question times and median [min–max] of Enter → first answer text and Enter → answer done.`;

const args = cliArgs(
  usage,
  { questions: { type: 'string' }, runs: { type: 'string' }, chromium: { type: 'string' } },
  z.object({
    questions: z.coerce.number().int().min(1).max(100).default(10),
    runs: z.coerce.number().int().min(1).max(20).default(1),
    chromium: z.string().default('/usr/bin/chromium'),
    positionals: z.array(z.string()).max(0, 'is not expected'),
  }),
);

type Timing = { firstMs: number; doneMs: number; text: string; chips: number };

/** Asks one question in a fresh conversation; the clock runs in the page, from the Enter keydown. */
async function timeQuestion(page: Page, question: string): Promise<Timing> {
  const fresh = page.getByRole('button', { name: 'New conversation' });
  if (await fresh.count()) await fresh.click();
  await page.getByRole('heading', { name: 'Ask the articles' }).waitFor();
  const box = page.getByRole('textbox', { name: 'Your question' });
  await box.fill(question);
  await page.evaluate(() => {
    const t = { enter: 0, first: 0, done: 0 };
    (window as unknown as { __bench: typeof t }).__bench = t;
    const textarea = document.querySelector('textarea')!;
    textarea.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Enter' && !e.shiftKey && !t.enter) t.enter = performance.now();
      },
      { capture: true, once: true },
    );
    const observer = new MutationObserver(() => {
      const answer = document.querySelector('[data-testid=answer]');
      if (!answer || !t.enter) return;
      const text = [...answer.querySelectorAll('[data-testid=answer-text] > span:not(.hint)')].map((s) => s.textContent).join('');
      if (!t.first && text.trim()) t.first = performance.now();
      if (answer.getAttribute('data-state') === 'done') {
        t.done = performance.now();
        if (!t.first) t.first = t.done;
        observer.disconnect();
      }
    });
    observer.observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
  await box.press('Enter');
  await page.waitForFunction(() => (window as unknown as { __bench: { done: number } }).__bench.done > 0, undefined, { timeout: 60_000 });
  const t = await page.evaluate(() => (window as unknown as { __bench: { enter: number; first: number; done: number } }).__bench);
  const alert = page.locator('.banner[role=alert]');
  if (await alert.count()) throw new Error(`The answer to "${question}" failed: ${await alert.first().innerText()}`);
  const answer = page.getByTestId('answer-text');
  return {
    firstMs: t.first - t.enter,
    doneMs: t.done - t.enter,
    text: await answer.innerText(),
    chips: await answer.locator('a.chip').count(),
  };
}

runCli(async () => {
  const cfg = getConfig();
  await openStore(cfg); // fails with a sentence when there is no index yet
  const answerable = (await loadJsonl(path.join(ROOT, 'eval/gold.jsonl'), questionSchema)).filter((q) => q.answerable);
  const gold = answerable.slice(0, args.questions);
  // The warm-up (page scripts, searcher and model load) uses a question outside the measured set, so no measured one hits a cache.
  const warmUp = answerable[args.questions]?.question ?? 'What did the two leaders discuss?';

  console.error('Building (if needed) and starting the production server…');
  const server = await startServer({ DOSSIER_ALLOW_REMOTE_MODELS: 'false' });
  const browser = await launchChromium(args.chromium);
  try {
    const status = (await (await fetch(`${server.url}/api/status`)).json()) as {
      documents: unknown[];
      passageCount: number;
      retrieval: string;
      engine: string;
      embedder: { label: string } | null;
    };
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    await page.goto(server.url);

    const warm = await timeQuestion(page, warmUp);
    const rows: (string | number)[][] = [];
    const first: number[] = [];
    const done: number[] = [];
    let correct = 0;
    for (const q of gold) {
      for (let r = 0; r < args.runs; r++) {
        const t = await timeQuestion(page, q.question);
        first.push(t.firstMs);
        done.push(t.doneMs);
        const ok = q.answers.length === 0 || containsAny(t.text, q.answers);
        if (r === 0 && ok) correct++;
        rows.push([
          `${q.id}${args.runs > 1 ? `#${r + 1}` : ''}`,
          q.question.length > 60 ? `${q.question.slice(0, 57)}…` : q.question,
          t.firstMs.toFixed(0),
          t.doneMs.toFixed(0),
          t.chips,
          ok ? 'yes' : 'no',
        ]);
      }
    }

    console.log(
      `UI latency: ${status.documents.length} articles, ${status.passageCount} passages, ${status.retrieval} retrieval (${status.embedder?.label ?? 'no embedder'}), ${status.engine} answers.`,
    );
    console.log(
      `Chromium ${browser.version()} headless, 1280x900, production build; ${gold.length} answerable gold questions × ${args.runs} run(s), each in a fresh conversation.`,
    );
    console.log(`Warm-up (not counted): first text ${warm.firstMs.toFixed(0)} ms, done ${warm.doneMs.toFixed(0)} ms.\n`);
    console.log(table(['id', 'question', 'first text ms', 'done ms', 'chips', 'answer found'], rows));
    console.log();
    console.log(
      table(
        ['Enter → …', 'median [min–max] ms', 'samples'],
        [
          ['first answer text in the DOM', formatSpread(spread(first), 0), first.length],
          ['answer finished (data-state=done)', formatSpread(spread(done), 0), done.length],
        ],
      ),
    );
    console.log(`\nGold answer string found in ${correct}/${gold.length} answers.`);
  } finally {
    await browser.close();
    await server.stop();
  }
});
