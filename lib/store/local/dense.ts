import { simdScan } from './simd';

/**
 * Dense scoring over one contiguous Float32Array of unit vectors (row-major). One flat array
 * scans at memory speed and loads in one read; an array of per-passage arrays does neither. Matrices from `allocateMatrix`
 * are scanned with WebAssembly SIMD, others with the loop below.
 */
export function cosineScan(
  matrix: Float32Array,
  dims: number,
  query: Float32Array,
  out = new Float64Array(matrix.length / dims),
): Float64Array {
  if (simdScan(matrix, query, out)) return out;
  const rows = out.length;
  // Four accumulators break the add dependency chain so the loop can pipeline.
  const tail = dims - (dims % 4);
  for (let r = 0, base = 0; r < rows; r++, base += dims) {
    let a0 = 0,
      a1 = 0,
      a2 = 0,
      a3 = 0;
    let i = 0;
    for (; i < tail; i += 4) {
      a0 += matrix[base + i]! * query[i]!;
      a1 += matrix[base + i + 1]! * query[i + 1]!;
      a2 += matrix[base + i + 2]! * query[i + 2]!;
      a3 += matrix[base + i + 3]! * query[i + 3]!;
    }
    for (; i < dims; i++) a0 += matrix[base + i]! * query[i]!;
    out[r] = a0 + a1 + a2 + a3;
  }
  return out;
}
