import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The one place that reads the environment. Everything else receives a `Config`. */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`);

/** A host name or address to bind: localhost, 127.0.0.1, 0.0.0.0, ::1, :: or a machine name. */
const bindHost = z
  .string()
  .regex(
    /^(?:[\w.-]{1,253}|[0-9a-fA-F:.]{0,45}:[0-9a-fA-F:.]{0,45})$/,
    'must be a host name or address such as 127.0.0.1, localhost, ::1 or 0.0.0.0 (no port: use PORT)',
  )
  .transform((h) => h.toLowerCase());

/** `Host` header values: a name or address with an optional port, IPv6 in brackets. */
const hostHeader = /^(\[[0-9a-f:.]+\]|[\w.-]+)(:\d{1,5})?$/;

const envSchema = z.object({
  DOSSIER_CORPUS_DIR: z.string().min(1).default('corpus'),
  DOSSIER_INDEX_DIR: z.string().min(1).default('.dossier'),
  // Set, the collection lives in PostgreSQL (with pgvector) instead of DOSSIER_INDEX_DIR.
  DOSSIER_DATABASE_URL: z
    .url({
      protocol: /^postgres(ql)?$/,
      hostname: /^[^\s/]+$/,
      message: 'must be a PostgreSQL URL such as postgres://user:password@host:5432/dossier',
    })
    .optional(),
  // "auto" = configured Transformers.js model, then the bundled encoder, then lexical only.
  // "none" = lexical only. "use" = the bundled Universal Sentence Encoder directly.
  DOSSIER_EMBEDDING_MODEL: z.string().min(1).default('Xenova/all-MiniLM-L6-v2'),
  DOSSIER_EMBEDDING_FALLBACK: bool.default(true),
  DOSSIER_LOCAL_MODEL_PATH: z.string().min(1).optional(),
  DOSSIER_ALLOW_REMOTE_MODELS: bool.default(true),
  DOSSIER_MODEL_CACHE_DIR: z.string().min(1).default('.cache/models'),
  DOSSIER_QUERY_PREFIX: z.string().optional(),
  DOSSIER_EMBED_THREADS: positiveInt(64).optional(),
  DOSSIER_CHUNK_TOKENS: positiveInt(2048).default(160),
  DOSSIER_CHUNK_OVERLAP: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(5, 'must be at most 5')
    .default(1),
  DOSSIER_TOP_K: positiveInt(100).default(5),
  DOSSIER_ENGINE: z.enum(['local', 'llm'], { message: 'must be "local" or "llm"' }).optional(),
  DOSSIER_LLM_PROVIDER: z.enum(['openai', 'openai-compatible'], { message: 'must be "openai" or "openai-compatible"' }).optional(),
  DOSSIER_LLM_BASE_URL: z.url({ message: 'must be a URL such as http://127.0.0.1:11434/v1' }).optional(),
  DOSSIER_LLM_MODEL: z.string().min(1).optional(),
  DOSSIER_LLM_API_KEY: z.string().min(1).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  DOSSIER_LLM_TIMEOUT_MS: positiveInt(600_000).default(30_000),
  // HOST is what most hosting set-ups use; DOSSIER_HOST wins when both are set.
  DOSSIER_HOST: bindHost.optional(),
  HOST: bindHost.optional(),
  // Set by scripts/start.mjs and by `next start` itself once it listens.
  PORT: positiveInt(65_535).optional(),
  DOSSIER_ALLOWED_HOSTS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine(
      (hosts) => hosts.every((h) => hostHeader.test(h)),
      'must be a comma-separated list of host names, each with an optional port (dossier.example.org,10.0.0.5:3000)',
    )
    .optional(),
  DOSSIER_ACCESS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters long (for example the output of `openssl rand -hex 32`)')
    .max(512, 'must be at most 512 characters long')
    .regex(/^[\x21-\x7E]+$/, 'must be printable ASCII without spaces')
    .optional(),
  // Adding and removing articles from the app: open without a token only on a loopback-bound server.
  DOSSIER_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // For tests whose fixture server runs on 127.0.0.1; other private addresses stay refused.
  DOSSIER_FETCH_ALLOW_LOOPBACK: bool.default(false),
  DOSSIER_FETCH_TIMEOUT_MS: positiveInt(120_000).default(15_000),
});

export type LlmConfig = {
  provider: 'openai' | 'openai-compatible';
  baseURL?: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
};

export type ServerConfig = {
  /** The address `npm start` binds; loopback unless HOST or DOSSIER_HOST says otherwise. */
  host: string;
  /** The port the server listens on, when known (not in the CLI scripts). */
  port?: number;
  /** Extra `Host` header values accepted besides the bound address (a reverse proxy's name). */
  allowedHosts: string[];
  accessToken?: string;
};

export type Config = {
  corpusDir: string;
  indexDir: string;
  /** The PostgreSQL store's connection URL; unset, the local snapshot index in `indexDir`. */
  databaseUrl?: string;
  embedding: {
    model: string;
    fallback: boolean;
    localModelPath?: string;
    allowRemoteModels: boolean;
    cacheDir: string;
    queryPrefix?: string;
    /** Worker threads that run the model; unset, min(2, cores). */
    threads?: number;
  };
  chunking: { maxTokens: number; overlapSentences: number };
  topK: number;
  engine: 'local' | 'llm';
  llm?: LlmConfig;
  server: ServerConfig;
  library: {
    adminToken?: string;
    fetch: { allowLoopback: boolean; timeoutMs: number };
  };
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`).join('; ');
}

/** Builds a validated config from an environment object; throws ConfigError naming the bad variable. */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  // Empty strings in .env files mean "unset", not "invalid".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) throw new ConfigError(`Invalid configuration: ${describeIssues(parsed.error)}.`);
  const e = parsed.data;
  const resolve = (p: string) => path.resolve(cwd, p);

  let llm: LlmConfig | undefined;
  if (e.DOSSIER_LLM_PROVIDER === 'openai') {
    const apiKey = e.DOSSIER_LLM_API_KEY ?? e.OPENAI_API_KEY;
    if (!apiKey) throw new ConfigError('Invalid configuration: DOSSIER_LLM_PROVIDER=openai needs OPENAI_API_KEY (or DOSSIER_LLM_API_KEY).');
    llm = {
      provider: 'openai',
      baseURL: e.DOSSIER_LLM_BASE_URL,
      model: e.DOSSIER_LLM_MODEL ?? 'gpt-4o-mini',
      apiKey,
      timeoutMs: e.DOSSIER_LLM_TIMEOUT_MS,
    };
  } else if (e.DOSSIER_LLM_PROVIDER === 'openai-compatible') {
    if (!e.DOSSIER_LLM_BASE_URL)
      throw new ConfigError(
        'Invalid configuration: DOSSIER_LLM_PROVIDER=openai-compatible needs DOSSIER_LLM_BASE_URL (for example http://127.0.0.1:11434/v1 for Ollama).',
      );
    if (!e.DOSSIER_LLM_MODEL)
      throw new ConfigError(
        'Invalid configuration: DOSSIER_LLM_PROVIDER=openai-compatible needs DOSSIER_LLM_MODEL (for example llama3.1).',
      );
    llm = {
      provider: 'openai-compatible',
      baseURL: e.DOSSIER_LLM_BASE_URL,
      model: e.DOSSIER_LLM_MODEL,
      apiKey: e.DOSSIER_LLM_API_KEY,
      timeoutMs: e.DOSSIER_LLM_TIMEOUT_MS,
    };
  }
  if (e.DOSSIER_ENGINE === 'llm' && !llm) {
    throw new ConfigError('Invalid configuration: DOSSIER_ENGINE=llm needs DOSSIER_LLM_PROVIDER (openai or openai-compatible).');
  }

  return {
    corpusDir: resolve(e.DOSSIER_CORPUS_DIR),
    indexDir: resolve(e.DOSSIER_INDEX_DIR),
    databaseUrl: e.DOSSIER_DATABASE_URL,
    embedding: {
      model: e.DOSSIER_EMBEDDING_MODEL,
      fallback: e.DOSSIER_EMBEDDING_FALLBACK,
      localModelPath: e.DOSSIER_LOCAL_MODEL_PATH ? resolve(e.DOSSIER_LOCAL_MODEL_PATH) : undefined,
      allowRemoteModels: e.DOSSIER_ALLOW_REMOTE_MODELS,
      cacheDir: resolve(e.DOSSIER_MODEL_CACHE_DIR),
      queryPrefix: e.DOSSIER_QUERY_PREFIX,
      threads: e.DOSSIER_EMBED_THREADS,
    },
    chunking: { maxTokens: e.DOSSIER_CHUNK_TOKENS, overlapSentences: e.DOSSIER_CHUNK_OVERLAP },
    topK: e.DOSSIER_TOP_K,
    engine: e.DOSSIER_ENGINE ?? (llm ? 'llm' : 'local'),
    llm,
    library: {
      adminToken: e.DOSSIER_ADMIN_TOKEN,
      fetch: { allowLoopback: e.DOSSIER_FETCH_ALLOW_LOOPBACK, timeoutMs: e.DOSSIER_FETCH_TIMEOUT_MS },
    },
    server: {
      host: e.DOSSIER_HOST ?? e.HOST ?? '127.0.0.1',
      port: e.PORT,
      allowedHosts: e.DOSSIER_ALLOWED_HOSTS ?? [],
      accessToken: e.DOSSIER_ACCESS_TOKEN,
    },
  };
}

let cached: Config | undefined;

/** The process-wide config: `.env` (if present) under the real environment, validated once. */
export function getConfig(): Config {
  if (!cached) {
    const envFile = path.resolve('.env');
    // Real environment variables win over .env, as in Next.js and dotenv.
    if (existsSync(envFile)) process.loadEnvFile(envFile);
    cached = parseConfig(process.env);
  }
  return cached;
}
