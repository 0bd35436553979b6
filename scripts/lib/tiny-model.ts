import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The tiny random-weight BERT-like model built by scripts/build-tiny-model.py, in the
 * Transformers.js folder layout, so tests can run the real model-loading path offline.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'build-tiny-model.py');
/** Gitignored (.cache/). Holds `<TINY_MODEL_NAME>/…`; pass this folder as DOSSIER_LOCAL_MODEL_PATH. */
export const TINY_MODELS_DIR = path.join(ROOT, '.cache', 'tiny-model');
export const TINY_MODEL_NAME = 'dossier-tiny';
export const TINY_MODEL_DIMS = 32;
const PYTHON = '/usr/bin/python3';
const FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx'];
const INSTALL_HINT =
  'Install the build dependencies with: apt-get install python3-onnx python3-numpy (CI installs them; these tests are never skipped).';

const mtime = (file: string) =>
  stat(file).then(
    (s) => s.mtimeMs,
    () => null,
  );

/** True when every model file exists and is newer than the script that builds it. */
async function upToDate(modelDir: string): Promise<boolean> {
  const script = await mtime(SCRIPT);
  const times = await Promise.all(FILES.map((f) => mtime(path.join(modelDir, f))));
  return script !== null && times.every((t) => t !== null && t >= script);
}

async function build(): Promise<string> {
  const target = path.join(TINY_MODELS_DIR, TINY_MODEL_NAME);
  if (await upToDate(target)) return TINY_MODELS_DIR;
  await mkdir(TINY_MODELS_DIR, { recursive: true });
  // Build next to the target and move it into place, so a concurrent test process never sees half a model.
  const staging = await mkdtemp(path.join(TINY_MODELS_DIR, '.build-'));
  try {
    try {
      await promisify(execFile)(PYTHON, [SCRIPT, staging, '--name', TINY_MODEL_NAME], { cwd: ROOT, timeout: 120_000 });
    } catch (error) {
      const e = error as { code?: string | number; stderr?: string; message?: string };
      const stderr = (e.stderr ?? '').trim();
      const missingDeps = e.code === 'ENOENT' || e.code === 2 || /No module named|ImportError/.test(stderr);
      throw new Error(
        `Could not build the tiny test model with ${PYTHON} ${path.relative(ROOT, SCRIPT)}` +
          (missingDeps
            ? ` because ${e.code === 'ENOENT' ? `${PYTHON} is missing` : 'python3-onnx or python3-numpy is missing'}. ${INSTALL_HINT}`
            : '.') +
          (stderr ? `\n${stderr}` : e.message ? `\n${e.message}` : ''),
      );
    }
    await rm(target, { recursive: true, force: true });
    try {
      await rename(path.join(staging, TINY_MODEL_NAME), target);
    } catch (error) {
      // Another test process moved its (identical, deterministic) build in first.
      if (!(await upToDate(target))) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return TINY_MODELS_DIR;
}

let built: Promise<string> | undefined;

/**
 * Builds the tiny model into <repo>/.cache/tiny-model/ once per test run (reused while it is
 * newer than the build script) and returns that models folder. Fails, never skips, when
 * python3-onnx / python3-numpy are not installed.
 */
export function ensureTinyModel(): Promise<string> {
  built ??= build();
  return built;
}
