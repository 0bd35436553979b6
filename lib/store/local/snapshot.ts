import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LocalIndex, ProtobufCodec } from 'vectra';
import type { z } from 'zod';
import { IndexError, type Passage } from '../types';
import { bodiesFileSchema, manifestSchema, passagesFileSchema, type Manifest } from './manifest';
import { allocateMatrix } from './simd';

/**
 * An index is a folder of immutable snapshots plus a CURRENT file naming the live one. Ingest
 * writes a complete snapshot under a temporary name, renames it into place and only then
 * replaces CURRENT (write + rename, atomic on POSIX), so readers see the old index or the new
 * one, never a mix, whenever the writer dies.
 */

export type Snapshot = {
  name: string;
  dir: string;
  manifest: Manifest;
  passages: Passage[];
  bodies: Record<string, string>;
  /** Row i is the unit vector of passages[i]; null when the index is lexical-only. */
  vectors: Float32Array | null;
};

export type SnapshotData = Omit<Snapshot, 'name' | 'dir' | 'vectors'> & { vectors: Float32Array[] | null };

export const rebuildHint = 'Run `npm run ingest -- --rebuild` to rebuild it.';

const CURRENT = 'CURRENT';

/**
 * vectra holds the vectors, in its binary (protobuf) format: its default JSON format takes seconds
 * to write at 20k passages and cannot be written at all at 100k (the string outgrows V8's limit).
 */
const codec = new ProtobufCodec();
export const vectorStore = (snapshotDir: string) => new LocalIndex(path.join(snapshotDir, 'vectra'), undefined, undefined, codec);
const SNAPSHOTS = 'snapshots';
const KEEP_SNAPSHOTS = 2; // the live one and its predecessor, which a server may still be reading

export async function currentSnapshotName(indexDir: string): Promise<string | null> {
  try {
    const name = (await readFile(path.join(indexDir, CURRENT), 'utf8')).trim();
    if (!/^snap-[\w-]+$/.test(name)) throw new IndexError(`The index is damaged (its CURRENT file is unreadable). ${rebuildHint}`);
    return name;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function readJson<T>(file: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    throw new IndexError(`The index is damaged: its ${what} file is missing (${(error as NodeJS.ErrnoException).code}). ${rebuildHint}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new IndexError(`The index is damaged: its ${what} file is truncated or corrupt. ${rebuildHint}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new IndexError(`The index is damaged or from an older version: its ${what} file does not have the expected shape. ${rebuildHint}`);
  return parsed.data;
}

async function readVectors(dir: string, manifest: Manifest, passages: Passage[]): Promise<Float32Array | null> {
  if (!manifest.embedder) return null;
  const dims = manifest.embedder.dims;
  let items;
  try {
    items = await vectorStore(dir).listItems();
  } catch (error) {
    // The library's message names the file's absolute path, which is not for the people asking.
    throw new IndexError(`The index is damaged: its vector store cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}). ${rebuildHint}`);
  }
  const row = new Map(passages.map((p, i) => [p.id, i]));
  const vectors = allocateMatrix(passages.length, dims);
  let filled = 0;
  for (const item of items) {
    const i = row.get(item.id);
    if (i === undefined || item.vector.length !== dims) continue;
    vectors.set(item.vector, i * dims);
    filled++;
  }
  if (filled !== passages.length) {
    throw new IndexError(`The index is damaged: it has ${passages.length} passages but ${filled} matching vectors. ${rebuildHint}`);
  }
  return vectors;
}

/** The live snapshot, or null when nothing has been indexed yet. Throws IndexError when damaged. */
export async function loadSnapshot(indexDir: string): Promise<Snapshot | null> {
  const name = await currentSnapshotName(indexDir);
  if (!name) return null;
  const dir = path.join(indexDir, SNAPSHOTS, name);
  const manifest = await readJson(path.join(dir, 'manifest.json'), manifestSchema, 'manifest');
  const passages = await readJson(path.join(dir, 'passages.json'), passagesFileSchema, 'passages');
  const bodies = await readJson(path.join(dir, 'bodies.json'), bodiesFileSchema, 'documents');
  if (passages.length !== manifest.passageCount || manifest.documents.some((d) => bodies[d.id] === undefined)) {
    throw new IndexError(`The index is damaged: its files disagree with its manifest. ${rebuildHint}`);
  }
  return { name, dir, manifest, passages, bodies, vectors: await readVectors(dir, manifest, passages) };
}

/** Writes a complete snapshot and makes it the live one. Returns its name. */
export async function writeSnapshot(indexDir: string, data: SnapshotData): Promise<string> {
  const root = path.join(indexDir, SNAPSHOTS);
  await mkdir(root, { recursive: true });
  const name = `snap-${Date.now()}-${process.pid}`;
  const tmp = path.join(root, `.tmp-${name}`);
  const final = path.join(root, name);
  const pointerTmp = path.join(indexDir, `${CURRENT}.tmp-${process.pid}`);
  try {
    await mkdir(tmp, { recursive: true });
    await writeFile(path.join(tmp, 'passages.json'), JSON.stringify(data.passages));
    await writeFile(path.join(tmp, 'bodies.json'), JSON.stringify(data.bodies));
    if (data.vectors) {
      // Serialised with vectra's own codec into vectra's file layout (LocalIndex reads it back), but
      // in one pass: LocalIndex.insertItem checks ids with a linear scan, quadratic at 100k items.
      const items = data.passages.map((p, i) => ({ id: p.id, vector: Array.from(data.vectors![i]!), norm: 1, metadata: { docId: p.docId } }));
      await mkdir(path.join(tmp, 'vectra'), { recursive: true });
      await writeFile(path.join(tmp, 'vectra', `index${codec.extension}`), codec.serializeIndex({ version: 1, metadata_config: {}, items }));
    }
    // The manifest goes last: a snapshot folder without one was never finished.
    await writeFile(path.join(tmp, 'manifest.json'), JSON.stringify(data.manifest, null, 2));
    await rename(tmp, final);
    await writeFile(pointerTmp, name);
    await rename(pointerTmp, path.join(indexDir, CURRENT));
  } catch (error) {
    // CURRENT still names the previous snapshot; what was written would only fill the disk (after
    // ENOSPC, it is what keeps every later ingest failing).
    await Promise.all([tmp, final, pointerTmp].map((p) => rm(p, { recursive: true, force: true })));
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'the disk is full (ENOSPC)' : (code ?? (error as Error).message);
    throw new Error(`The new index could not be written to ${indexDir}: ${why}. The previous index is still in use and nothing was left behind.`, { cause: error });
  }
  await pruneSnapshots(indexDir, name);
  return name;
}

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Removes the temporary folders and pointer files of writers that are gone (killed, or failed
 * before they could clean up). Ingest holds a lock, so a temporary named after this very process
 * is left from an earlier failed write, never one in progress.
 */
export async function removeStaleTemporaries(indexDir: string): Promise<void> {
  const stale = (entry: string, prefix: string) => {
    if (!entry.startsWith(prefix)) return false;
    const pid = Number(entry.split('-').at(-1));
    return pid === process.pid || !processAlive(pid);
  };
  const root = path.join(indexDir, SNAPSHOTS);
  for (const entry of await readdir(root).catch(() => [])) {
    if (stale(entry, '.tmp-')) await rm(path.join(root, entry), { recursive: true, force: true });
  }
  for (const file of await readdir(indexDir).catch(() => [])) {
    if (stale(file, `${CURRENT}.tmp-`)) await rm(path.join(indexDir, file), { force: true });
  }
}

/** Removes stale temporaries and all but the newest finished snapshots. */
async function pruneSnapshots(indexDir: string, live: string | null): Promise<void> {
  await removeStaleTemporaries(indexDir);
  let entries: string[];
  try {
    entries = await readdir(path.join(indexDir, SNAPSHOTS));
  } catch {
    return;
  }
  const finished = entries.filter((e) => e.startsWith('snap-') && e !== live).sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]));
  for (const old of finished.slice(KEEP_SNAPSHOTS - 1)) await rm(path.join(indexDir, SNAPSHOTS, old), { recursive: true, force: true });
}
