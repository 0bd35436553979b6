// Entry of an embedding worker thread (see pool.ts): loads the model named by workerData, then
// embeds one batch per message, handing the vectors' buffers back without copying them.
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel } from './models.mjs';

const reasonOf = (error) => (error instanceof Error ? error.message : String(error));

try {
  const model = await loadModel(workerData);
  parentPort.postMessage({ type: 'ready', id: model.id, label: model.label, dims: model.dims, warnings: model.warnings });
  parentPort.on('message', async ({ job, texts, kind }) => {
    try {
      const vectors = await model.embed(texts, kind);
      parentPort.postMessage(
        { type: 'done', job, vectors },
        vectors.map((v) => v.buffer),
      );
    } catch (error) {
      parentPort.postMessage({ type: 'error', job, message: reasonOf(error) });
    }
  });
} catch (error) {
  // Nothing else keeps this thread alive, so it ends once the reason is posted.
  parentPort.postMessage({ type: 'failed', message: reasonOf(error) });
}
