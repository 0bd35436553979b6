#!/usr/bin/env node
// Smoke-test a tiny random-weight model built by scripts/build-tiny-model.py
// through the real @xenova/transformers loading path, fully offline.
//
// Usage (from the repo root so node resolves @xenova/transformers):
//   /usr/bin/python3 scripts/build-tiny-model.py /tmp/tiny-models
//   node scripts/check-tiny-model.mjs /tmp/tiny-models [--name dossier-tiny]
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { env, pipeline } from '@xenova/transformers';

const args = process.argv.slice(2);
const nameIdx = args.indexOf('--name');
const name = nameIdx >= 0 ? args[nameIdx + 1] : 'dossier-tiny';
const positional = nameIdx >= 0 ? args.filter((_, i) => i !== nameIdx && i !== nameIdx + 1) : args;
const outDir = positional[0];
if (!outDir) {
  console.error('usage: node scripts/check-tiny-model.mjs OUT_DIR [--name dossier-tiny]');
  process.exit(2);
}

// localModelPath is joined with the model id (plain string join, so keep the
// trailing slash). Remote off => missing files fail fast, no network.
env.localModelPath = path.resolve(outDir) + path.sep;
env.allowLocalModels = true;
env.allowRemoteModels = false;
// Transformers.js looks in its file cache before localModelPath: use an empty one.
env.cacheDir = mkdtempSync(path.join(os.tmpdir(), 'tiny-model-cache-'));

const t0 = performance.now();
const extractor = await pipeline('feature-extraction', name, { quantized: true });
const tLoad = performance.now() - t0;

const texts = ['Hello world', 'Việt Nam and Japan upgraded ties in 2023.'];
for (const t of texts) {
  const enc = extractor.tokenizer(t);
  const ids = Array.from(enc.input_ids.data, Number);
  console.log(`tokens(${JSON.stringify(t)}):`, extractor.tokenizer.model.convert_ids_to_tokens(ids).join(' '));
}

const out = await extractor(texts, { pooling: 'mean', normalize: true });
const hidden = extractor.model.config.hidden_size;
console.log('load ms:', tLoad.toFixed(0));
console.log('type:', out.type, 'dims:', JSON.stringify(out.dims), 'hidden_size:', hidden);

const rows = out.tolist();
const norms = rows.map((r) => Math.sqrt(r.reduce((s, x) => s + x * x, 0)));
console.log('L2 norms:', norms.map((n) => n.toFixed(6)).join(', '));
const cos = rows[0].reduce((s, x, i) => s + x * rows[1][i], 0);
console.log('cosine(0,1):', cos.toFixed(6));

assert.equal(out.type, 'float32');
assert.deepEqual(out.dims, [2, hidden]);
for (const n of norms) assert.ok(Math.abs(n - 1) < 1e-4, `norm ${n} != 1`);
for (const r of rows) assert.ok(r.every(Number.isFinite), 'non-finite value');
assert.ok(Math.abs(cos) < 0.9999, 'two different texts produced identical embeddings');

// Determinism: same input -> same output.
const again = await extractor(texts, { pooling: 'mean', normalize: true });
assert.deepEqual(Array.from(again.data), Array.from(out.data));

// Unpooled shape check: [batch, seq, hidden].
const raw = await extractor(texts, { pooling: 'none' });
assert.equal(raw.dims.length, 3);
assert.equal(raw.dims[0], 2);
assert.equal(raw.dims[2], hidden);
console.log('raw dims:', JSON.stringify(raw.dims));

// Padding is masked (the model leaves padded hidden states non-zero): a text embeds the same
// alone and batched with a much longer one.
const alone = (await extractor([texts[0]], { pooling: 'mean', normalize: true })).tolist()[0];
const padded = (await extractor([texts[0], texts[1].repeat(8)], { pooling: 'mean', normalize: true })).tolist()[0];
const padDiff = Math.max(...alone.map((x, i) => Math.abs(x - padded[i])));
console.log('padding max diff:', padDiff);
assert.ok(padDiff < 1e-5, 'padding changed the embedding');

rmSync(env.cacheDir, { recursive: true, force: true });
console.log('OK');
