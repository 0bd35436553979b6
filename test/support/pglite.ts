import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export type PgliteServer = { url: string; stop: () => Promise<void> };

/**
 * PostgreSQL (PGlite, in memory) with pgvector, served over the wire protocol on a random
 * loopback port, so the app connects with the ordinary `pg` client exactly as to a real server.
 * PGlite is one backend: the socket server queues every connection's messages onto it (a
 * transaction's statements keep their connection's turn), so connections share one session's
 * state — advisory locks included — and pools against it should stay small.
 */
export async function startPglite(maxConnections = 64): Promise<PgliteServer> {
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
