import path from 'node:path';
import { openStore, openStoreWriter } from '../lib/store/open';
import { tempDir } from './helpers';
import { storeContract } from './support/store-contract';

storeContract('local snapshot store', async () => {
  const cfg = { indexDir: path.join(await tempDir(), 'index') };
  return { reader: () => openStore(cfg), writer: await openStoreWriter(cfg) };
});
