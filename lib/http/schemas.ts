import { z } from 'zod';

/** Request shapes of the HTTP API: the one place their limits are written down. */

export const MAX_QUESTION = 2000;
export const MAX_MESSAGES = 100;

/**
 * Control characters other than tab and newlines carry no meaning in a question. Dropped before
 * the checks, so a question of nothing else is refused as empty rather than answered.
 */
export const withoutControlCharacters = (s: string) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '');

/**
 * A question or query: control characters dropped, blank refused, and at least one letter or digit
 * in any script, so a question of only zero-width characters, punctuation or emoji is refused as
 * saying nothing rather than answered. `name` starts the messages (the CLI reads them without one).
 */
export const questionText = (name?: string, max = MAX_QUESTION) => {
  const subject = name ? `${name} ` : '';
  return z
    .string({ error: `${subject}must be text` })
    .overwrite(withoutControlCharacters)
    .trim()
    .min(1, `${subject}must not be empty`)
    .max(max, `${subject}is too long (${max} characters at most)`)
    .refine((s) => /[\p{L}\p{N}]/u.test(s), `${subject}must contain a letter or a digit`);
};

const k = z.coerce
  .number({ error: 'k must be a number' })
  .int('k must be a whole number')
  .min(1, 'k must be at least 1')
  .max(20, 'k must be at most 20');

export const askSchema = z.strictObject({
  question: questionText('question'),
  k: k.optional(),
  engine: z.enum(['local', 'llm'], { error: 'engine must be "local" or "llm"' }).optional(),
});

export const briefSchema = z.strictObject({
  topic: z.string({ error: 'topic must be text' }).trim().max(500, 'topic is too long (500 characters at most)').optional(),
  engine: z.enum(['local', 'llm'], { error: 'engine must be "local" or "llm"' }).optional(),
});

export const searchSchema = z.strictObject({
  q: questionText('q'),
  k: k.optional(),
  mode: z.enum(['hybrid', 'lexical', 'dense'], { error: 'mode must be hybrid, lexical or dense' }).optional(),
});

const citationRef = z.object({ n: z.number().int().positive(), passageId: z.string().max(300) });

/** A UI message as the AI SDK's useChat sends it; only text parts and our citation data are read. */
const uiPart = z.looseObject({ type: z.string().max(100), text: z.string().max(20_000).optional(), data: z.unknown().optional() });
const uiMessage = z.looseObject({
  id: z.string().max(200).optional(),
  role: z.enum(['user', 'assistant', 'system'], { error: 'role must be user or assistant' }),
  parts: z.array(uiPart, { error: 'parts must be a list' }).max(200, 'a message has too many parts'),
});

export const chatSchema = z.looseObject({
  id: z.string().max(200).optional(),
  messages: z
    .array(uiMessage, { error: 'messages must be a list' })
    .min(1, 'messages must not be empty')
    .max(MAX_MESSAGES, `messages: the conversation is too long (${MAX_MESSAGES} messages at most); start a new one`),
  engine: z.enum(['local', 'llm'], { error: 'engine must be "local" or "llm"' }).optional(),
});
export type ChatRequest = z.infer<typeof chatSchema>;

export const citationsDataSchema = z.array(citationRef);
