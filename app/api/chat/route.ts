import { getConfig } from '../../../lib/config';
import { chatResponse, toConversation } from '../../../lib/http/chat';
import { handler, readJson } from '../../../lib/http/request';
import { chatSchema } from '../../../lib/http/schemas';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST {messages: UIMessage[]} (what useChat sends) → the answer as an AI SDK UI message stream. */
export const POST = handler(async (req: Request) => {
  const body = await readJson(req, chatSchema);
  return chatResponse(getConfig(), toConversation(body.messages), { engine: body.engine, signal: req.signal });
});
