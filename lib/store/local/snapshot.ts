import { type FileHandle, open, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ProtobufCodec } from 'vectra';
import { z } from 'zod';
import { readVectraItems } from './vectra-items.mjs';
import { IndexError } from '@/lib/store/types';
import { manifestSchema, type Manifest } from './manifest';
import { allocateMatrix } from './simd';
import { decodeSections, Table, TableError, type TableBuilder } from './table';

/**
 * An index is a folder of immutable snapshots plus a CURRENT file naming the live one. Ingest
 * writes a complete snapshot under a temporary name, renames it into place and only then
 * replaces CURRENT (write + rename, atomic on POSIX), so readers see the old index or the new
 * one, never a mix, whenever the writer dies.
 *
 * A snapshot holds manifest.json (zod-validated: documents, counts, the layout of index.bin),
 * index.bin (passages, texts and postings, see table.ts), bodies.bin (original bodies, read only
 * when one is asked for), analysis.bin (the sentences' tokens and typed spans, read per passage
 * when answering asks for them), and, with a model, the passage vectors in a vectra index (vectra/, its
 * binary codec: any vectra LocalIndex opens it) and sentences.f32 (raw unit vectors, one row per
 * sentence, read straight into memory: three times as many rows, and only looked up by row).
 */

export type Snapshot = {
  name: string;
  dir: string;
  manifest: Manifest;
  table: Table;
  /** Row i is the unit vector of passage row i; null when the index is lexical-only. */
  vectors: Float32Array | null;
  /** Row j is the unit vector of sentence j (passage rows' sentences in order); null when not stored. */
  sentenceVectors: Float32Array | null;
  /** bodies.bin and analysis.bin when small enough to keep (questions read from both); else null, and they are read per range. */
  kept: { bodies: Buffer | null; analysis: Buffer | null };
};

/**
 * Up to this size a lazily read file is kept in memory, so a question reads its passages'
 * analyses and its answer's article without opening a file: about 30 MB of articles, or 200k
 * sentences' analyses. Larger collections read them range by range.
 */
const KEEP_IN_MEMORY = 32 * 2 ** 20;

export type SnapshotManifest = Omit<Manifest, 'layout' | 'counts' | 'passageCount' | 'sentenceVectors' | 'documents'>;

export const rebuildHint = 'Run `npm run ingest -- --rebuild` to rebuild it.';

const CURRENT = 'CURRENT';
const FILES = {
  manifest: 'manifest.json',
  index: 'index.bin',
  bodies: 'bodies.bin',
  analysis: 'analysis.bin',
  vectors: 'vectra',
  sentences: 'sentences.f32',
};

/**
 * vectra's binary (protobuf) codec: its default JSON takes seconds to write at 20k passages and
 * cannot be written at all at 100k (the string outgrows V8's limit).
 */
const codec = new ProtobufCodec();
const SNAPSHOTS = 'snapshots';
const KEEP_SNAPSHOTS = 2; // the live one and its predecessor, which a server may still be reading

const damaged = (what: string) => new IndexError(`The index is damaged or from an older version: ${what}. ${rebuildHint}`);

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

async function readManifest(file: string): Promise<Manifest> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    throw damaged(`its manifest file is missing (${(error as NodeJS.ErrnoException).code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw damaged('its manifest file is truncated or corrupt');
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw damaged('its manifest file does not have the expected shape');
  return parsed.data;
}

async function readBinary(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw damaged(`its ${what} file is missing (${(error as NodeJS.ErrnoException).code})`);
  }
}

/**
 * Reads a float32 file of exactly rows × dims into a matrix from `allocate` (the scan matrix),
 * without an intermediate copy. The size is checked before anything is allocated.
 */
async function readMatrix(
  file: string,
  rows: number,
  dims: number,
  allocate: (rows: number, dims: number) => Float32Array,
  what: string,
): Promise<Float32Array> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw damaged(`its ${what} file is missing (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    if ((await handle.stat()).size !== rows * dims * 4) throw damaged(`its ${what} file has the wrong size`);
    const into = allocate(rows, dims);
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    for (let done = 0; done < bytes.length; ) {
      const { bytesRead } = await handle.read(bytes, done, Math.min(bytes.length - done, 1 << 30), done);
      if (bytesRead === 0) throw damaged(`its ${what} file is truncated`);
      done += bytesRead;
    }
    return into;
  } finally {
    await handle.close();
  }
}

/**
 * The live snapshot, or null when nothing has been indexed yet. Throws IndexError when damaged.
 * The sizes up to which lazily read files are kept in memory and vectra is read on this thread
 * are options so that a test can take the paths of a large collection on a small one.
 */
export async function loadSnapshot(
  indexDir: string,
  { keepInMemory = KEEP_IN_MEMORY, vectorsInThread = VECTORS_IN_THREAD } = {},
): Promise<Snapshot | null> {
  const name = await currentSnapshotName(indexDir);
  if (!name) return null;
  const dir = path.join(indexDir, SNAPSHOTS, name);
  const manifest = await readManifest(path.join(dir, FILES.manifest));
  const { counts } = manifest;
  if (counts.passages !== manifest.passageCount || counts.documents !== manifest.documents.length)
    throw damaged('its manifest contradicts itself');
  const size = (file: string, what: string) =>
    stat(path.join(dir, file)).then(
      (st) => st.size,
      () => {
        throw damaged(`its ${what} file is missing`);
      },
    );
  const dims = manifest.embedder?.dims;
  // vectra's read takes longest; it runs in its own thread while this one reads and checks the rest.
  const vectorsRead = dims ? readVectors(path.join(dir, FILES.vectors), dims, vectorsInThread) : null;
  // Awaited below; a failure that comes first (a damaged passages file) must not go unhandled here.
  vectorsRead?.catch(() => {});
  const [buffer, bodies, analysis] = await Promise.all([
    readBinary(path.join(dir, FILES.index), 'passages'),
    size(FILES.bodies, 'documents'),
    size(FILES.analysis, 'sentence analysis'),
  ]);
  let table: Table;
  try {
    table = new Table(manifest.documents, decodeSections(buffer, manifest.layout, counts, { bodies, analysis }));
  } catch (error) {
    if (error instanceof TableError) throw damaged(`its passages file is truncated or corrupt (${error.message})`);
    throw error;
  }
  const vectors = vectorsRead ? intoRows(await vectorsRead, table, dims!) : null;
  const sentenceVectors =
    dims && manifest.sentenceVectors
      ? await readMatrix(path.join(dir, FILES.sentences), counts.sentences, dims, (r, d) => new Float32Array(r * d), 'sentence vector')
      : null;
  const keep = async (file: string, bytes: number, what: string) => {
    if (bytes > keepInMemory) return null;
    const kept = await readBinary(path.join(dir, file), what);
    if (kept.length !== bytes) throw damaged(`its ${what} file changed while it was read`);
    return kept;
  };
  const kept = {
    bodies: await keep(FILES.bodies, bodies, 'documents'),
    analysis: await keep(FILES.analysis, analysis, 'sentence analysis'),
  };
  return { name, dir, manifest, table, vectors, sentenceVectors, kept };
}

/**
 * The passage vectors from the snapshot's vectra index into one contiguous matrix (the SIMD scan
 * reads it at memory speed; vectra's own query walks its items one by one), row by passage row.
 * vectra hands its items back as arrays of JavaScript numbers, about ten times the matrix's size:
 * a large index is read in a worker thread of its own (read-vectors.mjs), whose heap goes with it
 * (at 100k passages, 0.44 GB of resident memory added against 1.27); a small one here, where a
 * thread's start would cost more than the heap.
 */
const VECTORS_IN_THREAD = 16 * 2 ** 20;

async function readVectors(dir: string, dims: number, inThread: number): Promise<{ ids: string[]; matrix: Float32Array }> {
  const bytes = await stat(path.join(dir, `index${codec.extension}`)).then(
    (st) => st.size,
    () => 0,
  );
  const reply = bytes <= inThread ? await readVectraItems(dir, dims) : await inWorker(dir, dims);
  const read = vectorReply.safeParse(reply);
  if (!read.success) throw damaged('its vector index cannot be read');
  if ('problem' in read.data)
    throw damaged(
      read.data.problem === 'width'
        ? 'its vectors are not as wide as its manifest says'
        : `its vector index cannot be read (${read.data.code})`,
    );
  return read.data;
}

/** `readVectraItems` in a worker thread of its own, gone once it has replied. */
async function inWorker(dir: string, dims: number): Promise<unknown> {
  // This exact form is what Next.js (Turbopack) recognises as a worker thread's entry (see lib/embed/pool.ts).
  const worker = new Worker(new URL('./read-vectors.mjs', import.meta.url), { workerData: { dir, dims }, execArgv: [] });
  try {
    return await new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`exit code ${code}`)));
    });
  } catch (error) {
    // A code or a name only: the reader's message may name the server's paths.
    throw damaged(
      `its vector index cannot be read (its reader stopped: ${(error as NodeJS.ErrnoException).code ?? (error as Error).name})`,
    );
  } finally {
    void worker.terminate();
  }
}

/** Vectors in vectra's order into the scan matrix in passage row order, every row filled once. */
function intoRows({ ids, matrix: items }: { ids: string[]; matrix: Float32Array }, table: Table, dims: number): Float32Array {
  if (ids.length !== table.size || items.length !== ids.length * dims)
    throw damaged(`it has ${table.size} passages but ${ids.length} vectors`);
  const matrix = allocateMatrix(table.size, dims);
  const filled = new Uint8Array(table.size);
  ids.forEach((id, i) => {
    const row = table.rowOf(id);
    if (row === undefined || filled[row]) throw damaged('its vector index does not match its passages');
    matrix.set(items.subarray(i * dims, (i + 1) * dims), row * dims);
    filled[row] = 1;
  });
  return matrix;
}

/** What read-vectors.mjs posts back. */
const vectorReply = z.union([
  z.object({ ids: z.array(z.string()), matrix: z.instanceof(Float32Array) }),
  z.object({ problem: z.enum(['width', 'unreadable']), code: z.string().optional() }),
]);

/** Writes the passage vectors as a vectra index, in one pass (LocalIndex.insertItem checks ids with a linear scan: quadratic at 100k). */
async function writeVectors(dir: string, ids: string[], vectors: Float32Array, dims: number) {
  const items = ids.map((id, row) => ({ id, vector: Array.from(vectors.subarray(row * dims, (row + 1) * dims)), norm: 1, metadata: {} }));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `index${codec.extension}`), codec.serializeIndex({ version: 1, metadata_config: {}, items }));
}

/** Byte ranges of one of the snapshot's lazily read files, in one open of it. */
async function readRanges(snapshot: Snapshot, file: 'bodies' | 'analysis', what: string, ranges: [number, number][]): Promise<Buffer[]> {
  const kept = snapshot.kept[file];
  if (kept) return ranges.map(([from, to]) => kept.subarray(from, to));
  const handle = await open(path.join(snapshot.dir, FILES[file]), 'r').catch(() => {
    throw damaged(`its ${what} file is missing`);
  });
  try {
    return await Promise.all(
      ranges.map(async ([from, to]) => {
        const bytes = Buffer.alloc(to - from);
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, from);
        if (bytesRead !== bytes.length) throw damaged(`its ${what} file is truncated`);
        return bytes;
      }),
    );
  } finally {
    await handle.close();
  }
}

/** A document's original body, read from bodies.bin when asked for. */
export async function readBody(snapshot: Snapshot, doc: number): Promise<string> {
  const { bodyFirst } = snapshot.table.s;
  const [bytes] = await readRanges(snapshot, 'bodies', 'documents', [[bodyFirst[doc]!, bodyFirst[doc + 1]!]]);
  return bytes!.toString('utf8');
}

/** The stored analysis bytes of these passage rows (empty where none were stored), from analysis.bin. */
export const readAnalysisBytes = (snapshot: Snapshot, rows: number[]): Promise<Buffer[]> =>
  readRanges(
    snapshot,
    'analysis',
    'sentence analysis',
    rows.map((row) => snapshot.table.analysisRange(row)),
  );

/** Every body at once, for an ingest that carries documents over. */
export const readBodies = async (snapshot: Snapshot): Promise<Buffer> =>
  snapshot.kept.bodies ?? readBinary(path.join(snapshot.dir, FILES.bodies), 'documents');

/** All of analysis.bin, for an ingest that carries documents over. */
export const readAllAnalysis = async (snapshot: Snapshot): Promise<Buffer> =>
  snapshot.kept.analysis ?? readBinary(path.join(snapshot.dir, FILES.analysis), 'sentence analysis');

async function writeChunks(file: string, chunks: Uint8Array[]) {
  const handle = await open(file, 'w');
  try {
    // writev takes at most IOV_MAX buffers a call.
    for (let i = 0; i < chunks.length; i += 1024) await handle.writev(chunks.slice(i, i + 1024));
  } finally {
    await handle.close();
  }
}

const bytesOf = (v: Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** Writes a complete snapshot and makes it the live one. Returns its name and the manifest written. */
export async function writeSnapshot(
  indexDir: string,
  meta: SnapshotManifest,
  builder: TableBuilder,
): Promise<{ name: string; manifest: Manifest }> {
  const root = path.join(indexDir, SNAPSHOTS);
  await mkdir(root, { recursive: true });
  const name = `snap-${Date.now()}-${process.pid}`;
  const tmp = path.join(root, `.tmp-${name}`);
  const final = path.join(root, name);
  const pointerTmp = path.join(indexDir, `${CURRENT}.tmp-${process.pid}`);
  const built = builder.finish();
  const manifest: Manifest = {
    ...meta,
    documents: builder.documents,
    passageCount: built.counts.passages,
    counts: built.counts,
    layout: built.layout,
    sentenceVectors: !!built.sentenceVectors,
  };
  try {
    await mkdir(tmp, { recursive: true });
    await writeChunks(path.join(tmp, FILES.index), built.chunks);
    await writeChunks(path.join(tmp, FILES.bodies), built.bodies);
    await writeChunks(path.join(tmp, FILES.analysis), built.analysis);
    if (built.vectors && meta.embedder) await writeVectors(path.join(tmp, FILES.vectors), built.ids, built.vectors, meta.embedder.dims);
    if (built.sentenceVectors) await writeFile(path.join(tmp, FILES.sentences), bytesOf(built.sentenceVectors));
    // The manifest goes last: a snapshot folder without one was never finished.
    await writeFile(path.join(tmp, FILES.manifest), JSON.stringify(manifest));
    await rename(tmp, final);
    await writeFile(pointerTmp, name);
    await rename(pointerTmp, path.join(indexDir, CURRENT));
  } catch (error) {
    // CURRENT still names the previous snapshot; what was written would only fill the disk (after
    // ENOSPC, it is what keeps every later ingest failing).
    await Promise.all([tmp, final, pointerTmp].map((p) => rm(p, { recursive: true, force: true })));
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'the disk is full (ENOSPC)' : (code ?? (error as Error).message);
    throw new Error(
      `The new index could not be written to ${indexDir}: ${why}. The previous index is still in use and nothing was left behind.`,
      { cause: error },
    );
  }
  await pruneSnapshots(indexDir, name);
  return { name, manifest };
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
  const finished = entries
    .filter((e) => e.startsWith('snap-') && e !== live)
    .sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]));
  for (const old of finished.slice(KEEP_SNAPSHOTS - 1)) await rm(path.join(indexDir, SNAPSHOTS, old), { recursive: true, force: true });
}
