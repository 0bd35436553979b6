// How well page extraction separates article from furniture on the fixture pages: the share of
// article paragraphs kept and of furniture strings dropped (test/fixtures/formats/quality.json).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { extractHtml } from '@/lib/corpus/formats/html';
import { fold } from '@/lib/text/normalize';

const dir = path.resolve(import.meta.dirname, '../test/fixtures/formats');

export type Quality = { file: string; kept: number; article: number; dropped: number; furniture: number };

export async function extractionQuality(): Promise<Quality[]> {
  const expected = JSON.parse(await readFile(path.join(dir, 'quality.json'), 'utf8')) as Record<
    string,
    { article: string[]; furniture: string[] }
  >;
  const out: Quality[] = [];
  for (const [file, { article, furniture }] of Object.entries(expected)) {
    const body = fold(extractHtml(await readFile(path.join(dir, file), 'utf8')).body);
    out.push({
      file,
      kept: article.filter((a) => body.includes(fold(a))).length,
      article: article.length,
      dropped: furniture.filter((f) => !body.includes(fold(f))).length,
      furniture: furniture.length,
    });
  }
  return out;
}

if (import.meta.main) {
  const rows = await extractionQuality();
  for (const r of rows) console.log(`${r.file}: article kept ${r.kept}/${r.article}, furniture dropped ${r.dropped}/${r.furniture}`);
  const sum = (k: keyof Quality) => rows.reduce((s, r) => s + (r[k] as number), 0);
  console.log(
    `All pages: article text kept ${((sum('kept') / sum('article')) * 100).toFixed(0)}%, furniture dropped ${((sum('dropped') / sum('furniture')) * 100).toFixed(0)}%`,
  );
}
