// Plain JavaScript on purpose: the entry of a short-lived worker thread (see snapshot.ts).
// vectra hands its items back as arrays of JavaScript numbers: a 100k-passage index becomes about
// a gigabyte of heap while it is read. Read here, only the float32 matrix and the ids reach the
// thread that serves, and the heap that held the items goes away with this thread.
import { parentPort, workerData } from 'node:worker_threads';
import { LocalIndex, ProtobufCodec } from 'vectra';

const { dir, dims } = workerData;
try {
  const items = await new LocalIndex(dir, undefined, undefined, new ProtobufCodec()).listItems();
  if (items.some((item) => item.vector.length !== dims)) parentPort.postMessage({ problem: 'width' });
  else {
    const matrix = new Float32Array(items.length * dims);
    items.forEach((item, i) => matrix.set(item.vector, i * dims));
    parentPort.postMessage({ ids: items.map((item) => item.id), matrix }, [matrix.buffer]);
  }
} catch (error) {
  // The library's message names the file's absolute path, which is not for the people asking.
  parentPort.postMessage({ problem: 'unreadable', code: error?.code ?? 'unreadable' });
}
