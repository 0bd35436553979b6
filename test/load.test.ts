import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { loadCorpus } from '@/lib/corpus/load';
import { tempDir } from './helpers';

test('bad files are skipped with their name and a reason; good ones load', async () => {
  const dir = await tempDir();
  const files: Record<string, string | Buffer> = {
    'good.md': '---\ntitle: Good one\noutlet: Example Times\npublished: 2024-01-02\n---\nA real article body with words.\n',
    'plain.txt': 'The headline of a text file\n\nIts body follows here.\n',
    'nofm.md': '# A markdown heading\n\nBody text of the markdown file.\n',
    'empty.md': '',
    'blank.txt': '   \n\n  \n',
    'binary.txt': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]),
    'latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x61, 0x75, 0x20, 0x6c, 0x61, 0x69, 0x74]),
    'unclosed.md': '---\ntitle: Never closed\nBody without a closing fence.\n',
    'badyaml.md': '---\ntitle: [unbalanced\n---\nBody.\n',
    'baddate.md': '---\ntitle: Wrong date\npublished: last Tuesday\n---\nBody text here.\n',
    'copy.md': '---\ntitle: Good one\noutlet: Example Times\npublished: 2024-01-02\n---\nA real article body with words.\n',
    'image.png': 'not really',
  };
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  await mkdir(path.join(dir, '.hidden'));
  await writeFile(path.join(dir, '.hidden', 'secret.md'), 'ignored');

  const { documents, skipped } = await loadCorpus(dir);
  // Identical files are indexed once: the first in name order, the other reported.
  assert.deepEqual(documents.map((d) => d.id).sort(), ['copy', 'nofm', 'plain']);
  const reason = (f: string) => skipped.find((s) => s.file === f)?.reason ?? '';
  assert.match(reason('empty.md'), /no text/);
  assert.match(reason('blank.txt'), /no text/);
  assert.match(reason('binary.txt'), /binary/);
  assert.match(reason('latin1.txt'), /UTF-8/);
  assert.match(reason('unclosed.md'), /never closes/);
  assert.match(reason('badyaml.md'), /not valid YAML/);
  assert.match(reason('baddate.md'), /"published" must be a date/);
  assert.match(reason('image.png'), /unsupported file type/);
  assert.match(reason('good.md'), /identical to copy\.md/);
  assert.equal(skipped.length, 9);

  const plain = documents.find((d) => d.id === 'plain')!;
  assert.equal(plain.title, 'The headline of a text file');
  assert.equal(documents.find((d) => d.id === 'nofm')!.title, 'A markdown heading');
});

test('front matter metadata is read and body offsets point into the file', async () => {
  const dir = await tempDir();
  const text = '---\ntitle: "Quoted: title"\noutlet: Example Times\npublished: 2024-01-02\nauthor: A. Writer\n---\nBody starts here.\n';
  await writeFile(path.join(dir, 'a.md'), text);
  const [doc] = (await loadCorpus(dir)).documents;
  assert.equal(doc!.title, 'Quoted: title');
  assert.equal(doc!.outlet, 'Example Times');
  assert.equal(doc!.published, '2024-01-02');
  assert.equal(text.slice(doc!.bodyOffset, doc!.bodyOffset + 4), 'Body');
});

test('a file without a title is named by its first line, without metadata or dateline, cut at a word', async () => {
  const dir = await tempDir();
  await writeFile(
    path.join(dir, 'vns.md'),
    '---\noutlet: VNS\n---\n date 2023-11-27 HÀ NỘI, November 27 — Việt Nam and Japan have agreed to upgrade their relations to a Comprehensive Strategic Partnership for Peace and Prosperity in Asia and the World.\n\nMore text.\n',
  );
  const { documents } = await loadCorpus(dir);
  const title = documents[0]!.title;
  const sentence =
    'Việt Nam and Japan have agreed to upgrade their relations to a Comprehensive Strategic Partnership for Peace and Prosperity in Asia and the World.';
  assert.ok(title.endsWith('…') && title.length <= 101, title);
  const kept = title.slice(0, -1);
  assert.ok(sentence.startsWith(kept) && sentence[kept.length] === ' ', `a prefix of the lead sentence ending at a word: ${title}`);
});
