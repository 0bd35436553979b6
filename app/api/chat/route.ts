import { getConfig } from '@/lib/config';
import { chatResponse, toConversation } from '@/lib/http/chat';
import { handler, readJson, onlyAllows } from '@/lib/http/request';
import { chatSchema } from '@/lib/http/schemas';
import { getSearcher } from '@/lib/retrieve/searcher';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST {messages: UIMessage[]} (what useChat sends) → the answer as an AI SDK UI message stream. */
export const POST = handler(async (req: Request) => {
  const body = await readJson(req, chatSchema);
  const cfg = getConfig();
  // A missing or damaged index answers 503 with its sentence here; once the stream has started it
  // could only be an error part inside a 200.
  await getSearcher(cfg);
  return chatResponse(cfg, toConversation(body.messages), { engine: body.engine, signal: req.signal });
});

export const GET = onlyAllows('POST');
