import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { ingest } from '@/lib/ingest';
import { loadSnapshot } from '@/lib/store/local/snapshot';
import { IndexError } from '@/lib/store/types';
import { getSearcher } from '@/lib/retrieve/searcher';
import { ROOT, testConfig } from '@/test/helpers';

/** Runs the real ingest CLI and kills it with SIGKILL after `delayMs`. */
async function killIngestAfter(env: NodeJS.ProcessEnv, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/ingest.ts'), '--rebuild', '--quiet'], {
    env,
    cwd: ROOT,
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited;
}

test('an ingest killed (SIGKILL) at 20 random moments never leaves a mixed or broken index', async () => {
  const cfg = await testConfig();
  await ingest(cfg);
  const before = (await loadSnapshot(cfg.indexDir))!;
  await writeFile(path.join(cfg.corpusDir, 'extra.txt'), 'Extra article\n\nSomething new happened in Hue on Sunday, officials said.\n');
  const env = { ...process.env, DOSSIER_CORPUS_DIR: cfg.corpusDir, DOSSIER_INDEX_DIR: cfg.indexDir, DOSSIER_EMBEDDING_MODEL: 'use' };
  // A seeded spread of kill times across start-up, model load, embedding and the final write.
  let seed = 12345;
  const outcomes = { old: 0, new: 0 };
  for (let i = 0; i < 20; i++) {
    seed = (seed * 16807) % 2147483647;
    await killIngestAfter(env, 200 + (seed % 3800));
    const snap = (await loadSnapshot(cfg.indexDir))!;
    const isOld = snap.name === before.name;
    assert.ok(isOld || snap.manifest.documents.length === 6, `kill ${i}: old or new, never a mix`);
    assert.equal(snap.table.size, snap.manifest.passageCount);
    if (snap.vectors) assert.equal(snap.vectors.length, snap.table.size * snap.manifest.embedder!.dims);
    outcomes[isOld ? 'old' : 'new']++;
  }
  const after = await ingest(cfg, { rebuild: true });
  assert.equal(after.added.length, 6, 'a following ingest succeeds');
  const snapshots = await readdir(path.join(cfg.indexDir, 'snapshots'));
  assert.ok(!snapshots.some((s) => s.startsWith('.tmp-')), 'unfinished folders of killed runs are cleaned up');
  assert.ok(snapshots.length <= 2, 'old snapshots are pruned');
  console.log(`# kills that left the old index: ${outcomes.old}, the new one: ${outcomes.new}`);
});

test('a damaged index gives a clear error naming the fix, and recovers after a re-ingest', async () => {
  const cfg = await testConfig({ DOSSIER_EMBEDDING_MODEL: 'none' });
  await ingest(cfg);
  const snap = (await loadSnapshot(cfg.indexDir))!;
  const damages: [string, () => Promise<void>][] = [
    ['truncated passages', () => truncate(path.join(snap.dir, 'index.bin'), 100)],
    ['corrupt manifest', () => writeFile(path.join(snap.dir, 'manifest.json'), '{"format": 2, "oops"')],
    ['missing documents file', () => rm(path.join(snap.dir, 'bodies.bin'))],
    ['garbage pointer', () => writeFile(path.join(cfg.indexDir, 'CURRENT'), '../../etc/passwd')],
    ['pointer to a missing snapshot', () => writeFile(path.join(cfg.indexDir, 'CURRENT'), 'snap-1-1')],
  ];
  for (const [what, damage] of damages) {
    await ingest(cfg, { rebuild: true });
    const live = (await loadSnapshot(cfg.indexDir))!;
    Object.assign(snap, live);
    await damage();
    await assert.rejects(
      loadSnapshot(cfg.indexDir),
      (e: Error) => e instanceof IndexError && /npm run ingest -- --rebuild/.test(e.message),
      what,
    );
    await assert.rejects(getSearcher(cfg), IndexError, `${what}: the server-side loader reports it too`);
    // The failure is not cached: once the index is rebuilt, the same process serves again.
    await ingest(cfg, { rebuild: true });
    assert.ok((await getSearcher(cfg)).info.passageCount > 0, `${what}: recovers`);
  }
});

test('a damaged vector file is reported, not crashed on', async () => {
  const cfg = await testConfig({ DOSSIER_EMBEDDING_MODEL: 'use' });
  await ingest(cfg);
  const snap = (await loadSnapshot(cfg.indexDir))!;
  const file = path.join(snap.dir, 'vectra', 'index.pb');
  const bytes = await readFile(file);
  await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 3)));
  await assert.rejects(loadSnapshot(cfg.indexDir), (e: Error) => e instanceof IndexError && /npm run ingest/.test(e.message));
});

test('hostile corpus files: huge, empty, binary and duplicate articles are skipped with reasons', async () => {
  const cfg = await testConfig({ DOSSIER_EMBEDDING_MODEL: 'none' });
  const paragraph = 'The delegation discussed port investment and rail links at length. ';
  await writeFile(
    path.join(cfg.corpusDir, 'huge.txt'),
    `Huge article\n\n${paragraph.repeat(Math.ceil((5 * 1024 * 1024) / paragraph.length))}`,
  );
  await writeFile(path.join(cfg.corpusDir, 'empty.md'), '');
  await writeFile(path.join(cfg.corpusDir, 'binary.txt'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x00]));
  const original = await readFile(path.join(cfg.corpusDir, 'thuong-kishida-talks-in-tokyo.md'));
  await writeFile(path.join(cfg.corpusDir, 'zz-copy-of-thuong.md'), original);
  const report = await ingest(cfg);
  const reason = (f: string) => report.skipped.find((s) => s.file === f)?.reason ?? '';
  assert.match(reason('huge.txt'), /over the 2 MB limit/);
  assert.match(reason('empty.md'), /no text/);
  assert.match(reason('binary.txt'), /binary/);
  assert.match(reason('zz-copy-of-thuong.md'), /identical to thuong-kishida-talks-in-tokyo\.md/);
  assert.equal(report.added.length, 5, 'the good articles are all indexed, once');
});
