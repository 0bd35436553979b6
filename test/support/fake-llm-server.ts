import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A small, real OpenAI-compatible HTTP server for tests: `POST /v1/chat/completions`, streaming
 * (SSE `chat.completion.chunk` events ending in `data: [DONE]`) or plain JSON, depending on the
 * request's `stream` flag. Every request is recorded; each reply is chosen by a script the test
 * sets. Listens on 127.0.0.1 only, on a random free port.
 */

export type RecordedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when the body was not JSON). */
  body: ChatRequestBody;
};

export type ChatRequestBody = {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: { role: string; content: string | { type: string; text?: string }[] }[];
  [key: string]: unknown;
};

export type Reply =
  /** A completion. Streamed in `chunks` when given, else split by `splitForStreaming`. */
  | { kind: 'text'; text: string; chunks?: string[] }
  /** An HTTP error with a JSON body (OpenAI-style `{ error: { ... } }` by default). */
  | { kind: 'error'; status: number; body?: unknown }
  /** Accepts the request and never answers (until the server closes). */
  | { kind: 'hang' }
  /** Starts streaming `chunks`, then destroys the connection without finishing. */
  | { kind: 'drop'; chunks: string[] }
  /**
   * A broken gateway: 200 with a body that is not JSON and repeats the request's headers, API key
   * included (as an SSE `data:` line when streaming, so the client tries to parse it).
   */
  | { kind: 'echo' };

export type Script = (request: RecordedRequest, index: number) => Reply;

export type FakeLlm = {
  port: number;
  /** e.g. http://127.0.0.1:PORT/v1 */
  baseURL: string;
  requests: RecordedRequest[];
  /** Sets the script for the following requests and forgets the recorded ones. */
  script(script: Script): void;
  close(): Promise<void>;
};

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REQUESTS = 200;

/**
 * Splits a completion the way a model's tokens might: a word at a time, with every `[...]`
 * marker cut in two across a chunk boundary ("[thuong-kish" + "ida-talks-in-tokyo#0]").
 */
export function splitForStreaming(text: string): string[] {
  const pieces: string[] = [];
  for (const m of text.matchAll(/\[[^\]]*\]|[^\s[]+\s*|\s+/g)) {
    const piece = m[0];
    if (piece.startsWith('[') && piece.length > 2) {
      const cut = Math.ceil(piece.length / 2);
      pieces.push(piece.slice(0, cut), piece.slice(cut));
    } else pieces.push(piece);
  }
  return pieces;
}

/** Text of the message contents, whichever shape (string or content parts) the client sent. */
export function messageText(content: string | { type: string; text?: string }[] | undefined): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((p) => p.text ?? '').join('');
}

const openAiError = (status: number) => ({
  error:
    status === 401
      ? { message: 'Incorrect API key provided: sk-tes*****123.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' }
      : { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null },
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY_BYTES) reject(new Error('request body too large'));
      else parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeLlm(): Promise<FakeLlm> {
  let script: Script = () => ({ kind: 'text', text: 'Not in the articles.' });
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let seq = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `No route ${req.method} ${path}`, type: 'invalid_request_error' } }));
      return;
    }
    let body: ChatRequestBody;
    try {
      body = JSON.parse(raw) as ChatRequestBody;
    } catch {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'Body is not JSON', type: 'invalid_request_error' } }));
      return;
    }
    const recorded: RecordedRequest = { method: req.method, path, headers: req.headers, body };
    if (requests.length >= MAX_REQUESTS) throw new Error('fake LLM: too many requests');
    requests.push(recorded);

    let reply: Reply;
    try {
      reply = script(recorded, requests.length - 1);
    } catch (error) {
      reply = {
        kind: 'error',
        status: 500,
        body: { error: { message: `fake LLM script failed: ${(error as Error).message}`, type: 'server_error' } },
      };
    }

    if (reply.kind === 'hang') return; // never answers; the socket is destroyed on close()
    if (reply.kind === 'error') {
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body ?? openAiError(reply.status)));
      return;
    }

    if (reply.kind === 'echo') {
      const echoed = `Received ${req.method} ${path} with authorization: ${req.headers.authorization ?? 'none'}`;
      res
        .writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json' })
        .end(body.stream ? `data: ${echoed}\n\n` : echoed);
      return;
    }

    const id = `chatcmpl-fake-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? 'fake-model';
    const text = reply.kind === 'text' ? reply.text : reply.chunks.join('');
    const usage = { prompt_tokens: JSON.stringify(body.messages ?? []).length >> 2, completion_tokens: text.length >> 2, total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;

    if (!body.stream) {
      if (reply.kind === 'drop') {
        res.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage,
        }),
      );
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    const pieces = reply.kind === 'text' ? (reply.chunks ?? splitForStreaming(reply.text)) : reply.chunks;
    send(chunk({ role: 'assistant', content: '' }, null));
    for (const piece of pieces) {
      if (res.destroyed) return;
      send(chunk({ content: piece }, null));
      await delay(1);
    }
    if (reply.kind === 'drop') {
      res.destroy();
      return;
    }
    send(chunk({}, 'stop'));
    // As OpenAI does: usage arrives in a last chunk with no choices, only when asked for.
    if (body.stream_options?.include_usage) send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
    res.end('data: [DONE]\n\n');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent)
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: String(error), type: 'server_error' } }));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.maxConnections = 32;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    port,
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script(next) {
      script = next;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it: bound once to get a free number, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
