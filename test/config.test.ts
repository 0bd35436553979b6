import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '@/lib/config';

test('defaults need no environment at all', () => {
  const cfg = parseConfig({});
  assert.equal(cfg.embedding.model, 'Xenova/all-MiniLM-L6-v2');
  assert.equal(cfg.engine, 'local');
  assert.equal(cfg.llm, undefined);
});

test('bad values fail with a sentence naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ DOSSIER_CHUNK_TOKENS: 'lots' }, /DOSSIER_CHUNK_TOKENS must be a number/],
    [{ DOSSIER_CHUNK_TOKENS: '0' }, /DOSSIER_CHUNK_TOKENS must be at least 1/],
    [{ DOSSIER_ALLOW_REMOTE_MODELS: 'maybe' }, /DOSSIER_ALLOW_REMOTE_MODELS must be true or false/],
    [{ DOSSIER_TOP_K: '1000' }, /DOSSIER_TOP_K must be at most 100/],
    [{ DOSSIER_LLM_PROVIDER: 'anthropic' }, /DOSSIER_LLM_PROVIDER must be "openai" or "openai-compatible"/],
    [{ DOSSIER_LLM_PROVIDER: 'openai' }, /needs OPENAI_API_KEY/],
    [{ DOSSIER_LLM_PROVIDER: 'openai-compatible', DOSSIER_LLM_MODEL: 'x' }, /needs DOSSIER_LLM_BASE_URL/],
    [
      { DOSSIER_LLM_PROVIDER: 'openai-compatible', DOSSIER_LLM_BASE_URL: 'not a url', DOSSIER_LLM_MODEL: 'x' },
      /DOSSIER_LLM_BASE_URL must be a URL/,
    ],
    [{ DOSSIER_ENGINE: 'llm' }, /DOSSIER_ENGINE=llm needs DOSSIER_LLM_PROVIDER/],
    [{ DOSSIER_DATABASE_URL: 'mysql://db.example.org/dossier' }, /DOSSIER_DATABASE_URL must be a PostgreSQL URL/],
    [{ DOSSIER_DATABASE_URL: 'postgres:/dossier' }, /DOSSIER_DATABASE_URL must be a PostgreSQL URL/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => parseConfig(env),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(env),
    );
  }
});

test('an OpenAI-compatible server is configured from base URL and model; empty values count as unset', () => {
  const cfg = parseConfig({
    DOSSIER_LLM_PROVIDER: 'openai-compatible',
    DOSSIER_LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
    DOSSIER_LLM_MODEL: 'llama3.1',
    DOSSIER_TOP_K: '',
  });
  assert.equal(cfg.engine, 'llm');
  assert.deepEqual(cfg.llm, {
    provider: 'openai-compatible',
    baseURL: 'http://127.0.0.1:11434/v1',
    model: 'llama3.1',
    apiKey: undefined,
    timeoutMs: 30000,
  });
  assert.equal(cfg.topK, 5);
});

test('DOSSIER_DATABASE_URL takes a postgres:// URL and keeps its password out of errors', () => {
  const cfg = parseConfig({ DOSSIER_DATABASE_URL: 'postgres://dossier:s3cret@db.example.org:5432/dossier' });
  assert.equal(cfg.databaseUrl, 'postgres://dossier:s3cret@db.example.org:5432/dossier');
  assert.equal(parseConfig({ DOSSIER_DATABASE_URL: 'postgresql://localhost/dossier' }).databaseUrl, 'postgresql://localhost/dossier');
  assert.equal(parseConfig({}).databaseUrl, undefined);
  assert.throws(
    () => parseConfig({ DOSSIER_DATABASE_URL: 'http://u:s3cret@h/d' }),
    (e: Error) => !e.message.includes('s3cret'),
  );
});
