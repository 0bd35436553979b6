// Plain JavaScript on purpose: also runs as the body of a worker thread (read-vectors.mjs).
import { LocalIndex, ProtobufCodec } from 'vectra';

/**
 * A vectra index's items as one float32 matrix in vectra's order and their ids, or why not: a
 * plain object either way, so that it can cross from a worker thread.
 */
export async function readVectraItems(dir, dims) {
  try {
    const items = await new LocalIndex(dir, undefined, undefined, new ProtobufCodec()).listItems();
    if (items.some((item) => item.vector.length !== dims)) return { problem: 'width' };
    const matrix = new Float32Array(items.length * dims);
    items.forEach((item, i) => matrix.set(item.vector, i * dims));
    return { ids: items.map((item) => item.id), matrix };
  } catch (error) {
    // The library's message names the file's absolute path, which is not for the people asking.
    return { problem: 'unreadable', code: error?.code ?? 'unreadable' };
  }
}
