import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cosineScan } from '@/lib/store/local/dense';
import { topIndices } from '@/lib/store/rank';
import { allocateMatrix, simdScan } from '@/lib/store/local/simd';

function randomMatrix(target: Float32Array, seed: number) {
  let s = seed;
  for (let i = 0; i < target.length; i++) target[i] = (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  return target;
}

test('the WebAssembly SIMD scan gives the same scores as the JavaScript loop', () => {
  for (const [rows, dims] of [
    [1, 8],
    [37, 32],
    [1000, 384],
    [257, 512],
  ] as const) {
    const simd = randomMatrix(allocateMatrix(rows, dims), rows + dims);
    const plain = Float32Array.from(simd);
    const query = randomMatrix(new Float32Array(dims), 7);
    const a = simdScan(simd, query, new Float64Array(rows));
    assert.ok(a, `SIMD kernel used for ${rows}x${dims}`);
    const b = cosineScan(plain, dims, query);
    for (let i = 0; i < rows; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-4, `row ${i} of ${rows}x${dims}: ${a[i]} vs ${b[i]}`);
    // The matrix is an ordinary Float32Array to everyone else.
    assert.deepEqual(Array.from(simd.slice(0, 8)), Array.from(plain.slice(0, 8)));
  }
});

test('dimensions that are not a multiple of 8 fall back to the JavaScript loop', () => {
  const m = randomMatrix(allocateMatrix(10, 30), 3);
  assert.equal(simdScan(m, new Float32Array(30), new Float64Array(10)), null);
  assert.equal(cosineScan(m, 30, randomMatrix(new Float32Array(30), 5)).length, 10);
});

test('topIndices returns the best rows in order, respecting the allowed mask', () => {
  const scores = Float64Array.from({ length: 500 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
  const expected = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!).slice(0, 10);
  assert.deepEqual(topIndices(scores, 10, null), expected);
  const allowed = Uint8Array.from(scores, (_, i) => (i % 2 ? 1 : 0));
  const odd = [...scores.keys()]
    .filter((i) => i % 2)
    .sort((a, b) => scores[b]! - scores[a]!)
    .slice(0, 5);
  assert.deepEqual(topIndices(scores, 5, allowed), odd);
  assert.deepEqual(topIndices(scores, 0, null), []);
});
