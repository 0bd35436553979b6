import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import fsp, { appendFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { mock, test } from 'node:test';
import { loadCorpus } from '@/lib/corpus/load';
import { ingest, type IngestProgress } from '@/lib/ingest';
import { loadSnapshot } from '@/lib/store/local/snapshot';
import { snapshotContents } from '@/test/support/snapshot';
import { tempDir, testConfig } from '@/test/helpers';

const SECRET = 'root:x:0:0:root:/root:/bin/bash';

/** A folder outside the corpus holding an article-shaped secret, as /etc/passwd would be. */
async function outside(): Promise<string> {
  const dir = await tempDir('dossier-outside-');
  await mkdir(path.join(dir, 'folder'));
  await writeFile(path.join(dir, 'secret.md'), `Secret file\n\nThe account line reads ${SECRET} on this host.\n`);
  await writeFile(path.join(dir, 'folder', 'inner.md'), `Inner secret\n\nThe folder holds ${SECRET} as well.\n`);
  return dir;
}

const reasonOf = (skipped: { file: string; reason: string }[], file: string) =>
  skipped.find((s) => s.file === file)?.reason ?? '(not skipped)';

test('links, pipes and sockets in the corpus are skipped with a reason and never read', async () => {
  const cfg = await testConfig();
  const out = await outside();
  await symlink(path.join(out, 'secret.md'), path.join(cfg.corpusDir, 'x.md'));
  await symlink(path.join(out, 'folder'), path.join(cfg.corpusDir, 'linked'));
  await symlink(path.join(cfg.corpusDir, 'thuong-kishida-talks-in-tokyo.md'), path.join(cfg.corpusDir, 'alias.md'));
  execFileSync('mkfifo', [path.join(cfg.corpusDir, 'pipe.md')]);
  const socket = createServer();
  await new Promise<void>((resolve) => socket.listen(path.join(cfg.corpusDir, 'socket.md'), resolve));
  try {
    const report = await ingest(cfg);
    assert.match(reasonOf(report.skipped, 'x.md'), /symbolic link/);
    assert.match(reasonOf(report.skipped, 'linked'), /symbolic link/, 'a linked folder is reported, not walked');
    assert.match(reasonOf(report.skipped, 'alias.md'), /symbolic link/, 'a link is a link even when it points inside');
    assert.match(reasonOf(report.skipped, 'pipe.md'), /named pipe/);
    assert.match(reasonOf(report.skipped, 'socket.md'), /socket/);
    assert.equal(report.added.length, 5);
    const snap = await snapshotContents((await loadSnapshot(cfg.indexDir))!);
    assert.ok(!snap.passages.some((p) => p.text.includes('root:x')), 'nothing from outside the corpus is indexed');
    assert.ok(!Object.values(snap.bodies).some((b) => b.includes('root:x')));
  } finally {
    await new Promise((resolve) => socket.close(resolve));
  }
});

test('a file or folder swapped for a link or a pipe after the listing is not followed and does not block', async () => {
  const dir = await tempDir();
  const out = await outside();
  await mkdir(path.join(dir, 'sub'));
  for (const file of ['a.md', 'c.md', path.join('sub', 'inner.md'), 'z.md'])
    await writeFile(path.join(dir, file), `Article ${file}\n\nA harmless paragraph about the harbour in ${file}.\n`);
  // Progress is reported before each file is read: the moment to swap the files still to come.
  const swapOnce = (swap: () => void) => {
    let done = false;
    return () => {
      if (!done) swap();
      done = true;
    };
  };
  const first = await loadCorpus(
    dir,
    swapOnce(() => {
      unlinkSync(path.join(dir, 'a.md'));
      symlinkSync(path.join(out, 'secret.md'), path.join(dir, 'a.md'));
      unlinkSync(path.join(dir, 'z.md'));
      execFileSync('mkfifo', [path.join(dir, 'z.md')]);
    }),
  );
  assert.match(reasonOf(first.skipped, 'a.md'), /symbolic link/);
  assert.match(reasonOf(first.skipped, 'z.md'), /named pipe/);
  assert.deepEqual(
    first.documents.map((d) => d.file),
    ['c.md', path.join('sub', 'inner.md')],
  );

  // A plain file reached through a folder swapped for a link is refused too.
  const second = await loadCorpus(
    dir,
    swapOnce(() => {
      renameSync(path.join(dir, 'sub'), path.join(dir, 'sub-moved'));
      symlinkSync(path.join(out, 'folder'), path.join(dir, 'sub'));
    }),
  );
  assert.match(reasonOf(second.skipped, path.join('sub', 'inner.md')), /outside the corpus folder/);
  assert.ok(![...first.documents, ...second.documents].some((d) => d.body.includes('root:x')));
});

test('an article that cleaning empties is skipped with a reason, and an unchanged corpus writes nothing', async () => {
  const cfg = await testConfig();
  await writeFile(path.join(cfg.corpusDir, 'furniture.md'), '---\ntitle: Only furniture\n---\n(Photo: VNA)\n\nShare this article\n');
  const first = await ingest(cfg);
  assert.match(reasonOf(first.skipped, 'furniture.md'), /nothing was left/);
  assert.deepEqual(first.added.length, 5, 'the emptied article is not counted as added');
  const snapshots = await readdir(path.join(cfg.indexDir, 'snapshots'));

  const second = await ingest(cfg);
  assert.equal(second.upToDate, true);
  assert.deepEqual(second.added, []);
  assert.equal(second.revision, first.revision);
  assert.deepEqual(await readdir(path.join(cfg.indexDir, 'snapshots')), snapshots, 'no new snapshot');
  assert.match(reasonOf(second.skipped, 'furniture.md'), /nothing was left/, 'still reported');

  // An indexed article that is edited down to furniture leaves the index.
  await writeFile(path.join(cfg.corpusDir, 'go-together-head-to-future.md'), '---\ntitle: Emptied\n---\n(Photo: VNA)\n');
  const third = await ingest(cfg);
  assert.deepEqual(third.removed, ['go-together-head-to-future']);
  assert.deepEqual(third.changed, []);
});

/** Makes every snapshot write fail with ENOSPC while `full()` says the disk is full. */
function fillDisk(full: (file: string) => boolean) {
  const real = fsp.writeFile;
  mock.method(fsp, 'writeFile', async (...args: Parameters<typeof real>) => {
    if (full(String(args[0]))) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return real(...args);
  });
  syncBuiltinESMExports();
  return () => {
    mock.restoreAll();
    syncBuiltinESMExports();
  };
}

test('a snapshot write that fails on a full disk leaves nothing behind, and stale temporaries never block the next ingest', async () => {
  const cfg = await testConfig();
  const first = await ingest(cfg);
  await writeFile(path.join(cfg.corpusDir, 'extra.txt'), 'Extra article\n\nSomething new happened in Hue on Sunday, officials said.\n');
  const snapshots = path.join(cfg.indexDir, 'snapshots');

  // Part-way: the data files are written, the manifest hits the full disk.
  let restore = fillDisk((file) => file.endsWith('manifest.json'));
  try {
    await assert.rejects(ingest(cfg), /could not be written.*disk is full.*previous index is still in use/);
  } finally {
    restore();
  }
  assert.deepEqual(
    (await readdir(snapshots)).filter((e) => e.startsWith('.tmp-')),
    [],
    'the failed temporary is removed at once',
  );
  assert.equal((await loadSnapshot(cfg.indexDir))!.name, first.revision, 'the previous index stays live');

  // Temporaries left by writers that died (SIGKILL mid-write) fill the disk until they go; one
  // belonging to a live process is left alone.
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const stale = path.join(snapshots, `.tmp-snap-1-${deadPid}`);
  const inProgress = path.join(snapshots, `.tmp-snap-2-${live.pid}`);
  try {
    for (const dir of [stale, inProgress]) {
      await mkdir(dir);
      await writeFile(path.join(dir, 'index.bin'), '');
    }
    restore = fillDisk((file) => file.includes(`${path.sep}.tmp-`) && existsSync(stale));
    try {
      const report = await ingest(cfg);
      assert.deepEqual(report.added, ['extra']);
    } finally {
      restore();
    }
    assert.equal(existsSync(stale), false, "the dead writer's temporary is gone");
    assert.equal(existsSync(inProgress), true, "a live writer's temporary is kept");
  } finally {
    live.kill();
  }
});

test('front matter accepts only web addresses and real calendar dates', async () => {
  const dir = await tempDir();
  const article = (front: string) => `---\ntitle: An article\n${front}\n---\nA body with enough words in it.\n`;
  const files: Record<string, string> = {
    'js-url.md': article('url: "javascript:alert(document.cookie)"'),
    'file-url.md': article('url: file:///etc/passwd'),
    'data-url.md': article('url: "data:text/html,<script>alert(1)</script>"'),
    'month-13.md': article('published: 2024-13-45'),
    'feb-30.md': article('published: 2023-02-30'),
    'april-31.md': article('published: 2024-04-31'),
    'leap-day.md': article('published: 2024-02-29\nurl: https://example.com/a?b=1'),
    'plain-http.md': article('url: http://intranet.local:8080/news/1'),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text.replace('A body', `A body of ${name}`));
  const { documents, skipped } = await loadCorpus(dir);
  for (const file of ['js-url.md', 'file-url.md', 'data-url.md'])
    assert.match(reasonOf(skipped, file), /front matter field "url" must be a web address starting with http:\/\/ or https:\/\//, file);
  for (const file of ['month-13.md', 'feb-30.md', 'april-31.md'])
    assert.match(reasonOf(skipped, file), /front matter field "published" must be a date written YYYY-MM-DD, and a real one/, file);
  assert.deepEqual(documents.map((d) => d.file).sort(), ['leap-day.md', 'plain-http.md']);
  assert.equal(documents.find((d) => d.file === 'leap-day.md')!.published, '2024-02-29');
});

test('re-ingest: unchanged articles are neither cleaned nor embedded, a changed one alone is, with progress for every phase', async () => {
  const cfg = await testConfig();
  const phases = (events: IngestProgress[], phase: IngestProgress['phase']) => events.filter((e) => e.phase === phase).at(-1);
  const run = async () => {
    const events: IngestProgress[] = [];
    const report = await ingest(cfg, { onProgress: (p) => events.push(p) });
    return { report, events };
  };
  const first = await run();
  assert.deepEqual(phases(first.events, 'read'), { phase: 'read', done: 5, total: 5 });
  assert.deepEqual(phases(first.events, 'clean'), { phase: 'clean', done: 5, total: 5 });

  const unchanged = await run();
  assert.equal(unchanged.report.upToDate, true);
  assert.deepEqual(phases(unchanged.events, 'clean'), { phase: 'clean', done: 0, total: 0 }, 'nothing is cleaned again');

  await appendFile(path.join(cfg.corpusDir, 'thuong-kishida-talks-in-tokyo.md'), '\nA newly added closing paragraph about rice exports.\n');
  const oneChanged = await run();
  assert.deepEqual(oneChanged.report.changed, ['thuong-kishida-talks-in-tokyo']);
  assert.deepEqual(phases(oneChanged.events, 'clean'), { phase: 'clean', done: 1, total: 1 }, 'only the changed article is cleaned');
  assert.ok((await snapshotContents((await loadSnapshot(cfg.indexDir))!)).passages.some((p) => p.text.includes('rice exports')));
});
