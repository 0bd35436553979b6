import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '@/lib/config';
import { SIDECAR_SUFFIX, UnusableFile, sniffFormat } from '@/lib/corpus/formats';
import { FetchError } from './fetch';

/** Putting uploads into the corpus folder and taking articles out of it. */

export type Saved = { source: string; file: string; updated: boolean };
export type Failed = { source: string; error: string };

const TEXT_EXTENSIONS = ['.md', '.markdown', '.txt'];

/** Lowercase ASCII words joined by hyphens, at most `max` characters: safe in any file system. */
export function slug(text: string, max = 80): string {
  const s = text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, max);
  return s.replace(/^-+|(?<!-)-+$/g, '');
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** `base.ext`, or `base-2.ext`, `base-3.ext`… : the first name not taken in the corpus. */
export async function freeName(corpusDir: string, base: string, ext: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const name = `${base}${n > 1 ? `-${n}` : ''}${ext}`;
    if (!(await exists(path.join(/*turbopackIgnore: true*/ corpusDir, name)))) return name;
  }
  throw new Error(`Too many files are named ${base}${ext}.`);
}

/** A sentence from an error met while adding: ours are already sentences, others get a prefix. */
export function describe(error: unknown): string {
  if (error instanceof FetchError || error instanceof UnusableFile) return error.message;
  return `it could not be read (${(error as Error).message})`;
}

/**
 * Keeps an uploaded file in the corpus under a safe name: no folders, no dot-files, an extension
 * that matches the sniffed content, and never over another file.
 */
export async function saveUpload(cfg: Config, name: string, bytes: Buffer): Promise<Saved> {
  const format = sniffFormat(bytes);
  const given = path.extname(name).toLowerCase();
  const ext = format ? (format.extensions.includes(given) ? given : format.extensions[0]!) : given;
  if (!format && !TEXT_EXTENSIONS.includes(ext)) {
    throw new UnusableFile('it is not a web page, PDF, feed, Markdown or text file');
  }
  const base = slug(path.basename(name.replace(/\\/g, '/'), path.extname(name))) || 'upload';
  await mkdir(cfg.corpusDir, { recursive: true });
  const file = await freeName(cfg.corpusDir, base, ext);
  // Write then rename, so a half-written upload is never indexed (dot-files are ignored).
  const temp = path.join(cfg.corpusDir, `.upload-${randomUUID()}`);
  await writeFile(temp, bytes, { flag: 'wx' });
  await rename(temp, path.join(/*turbopackIgnore: true*/ cfg.corpusDir, file));
  return { source: name, file, updated: false };
}

/** Moves an article's file (and sidecar) out of the corpus into the trash folder; nothing is deleted. */
export async function trashFile(cfg: Config, file: string): Promise<string> {
  const from = path.resolve(/*turbopackIgnore: true*/ cfg.corpusDir, file);
  if (!from.startsWith(cfg.corpusDir + path.sep)) throw new Error(`${file} is not inside the corpus folder.`);
  const trash = path.join(cfg.indexDir, 'trash', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(trash, { recursive: true });
  const to = path.join(trash, path.basename(file));
  await move(from, to);
  await move(from + SIDECAR_SUFFIX, to + SIDECAR_SUFFIX).catch(() => undefined);
  return to;
}

/** rename, or copy and unlink when the trash is on another file system. */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await unlink(from);
  }
}

export type Outcome = {
  source: string;
  file?: string;
  status: 'added' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  reason?: string;
  documents: { id: string; title: string }[];
};
