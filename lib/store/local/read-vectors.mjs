// Plain JavaScript on purpose: the entry of a short-lived worker thread (see snapshot.ts).
// vectra hands its items back as arrays of JavaScript numbers: a 100k-passage index becomes about
// a gigabyte of heap while it is read. Read here, only the float32 matrix and the ids reach the
// thread that serves, and the heap that held the items goes away with this thread.
import { parentPort, workerData } from 'node:worker_threads';
import { readVectraItems } from './vectra-items.mjs';

const read = await readVectraItems(workerData.dir, workerData.dims);
parentPort.postMessage(read, read.matrix ? [read.matrix.buffer] : []);
