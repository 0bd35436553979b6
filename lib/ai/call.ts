import type { LlmConfig } from '@/lib/config';
import { redactUrl } from '@/lib/http/redact';

/** Every model call is bounded by the configured timeout and stops when the caller cancels. */
export const callSignal = (llm: LlmConfig, signal?: AbortSignal) =>
  signal ? AbortSignal.any([signal, AbortSignal.timeout(llm.timeoutMs)]) : AbortSignal.timeout(llm.timeoutMs);

type CallError = {
  statusCode?: number;
  message?: string;
  name?: string;
  url?: string;
  cause?: { code?: string; message?: string; cause?: { code?: string } };
};

/**
 * A short reason for a failed model call, built only from its status, error code and kind: never
 * the provider's message or body, which may echo the request and its API key, and never a URL with
 * its credentials.
 */
export function describeError(error: unknown): string {
  const e = error as CallError;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'it did not answer in time';
  if (e?.statusCode === 401 || e?.statusCode === 403) return `it refused the API key (HTTP ${e.statusCode})`;
  // A stream cut off after a 200 response also carries statusCode 200: that is not an HTTP error.
  if (e?.statusCode && e.statusCode >= 400) return `it answered HTTP ${e.statusCode}`;
  const code = e?.cause?.code ?? e?.cause?.cause?.code;
  if (code === 'UND_ERR_SOCKET' || e?.cause?.message === 'terminated') return 'the connection closed before the answer was complete';
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return e.url ? `${code} at ${redactUrl(e.url)}` : code;
  if (e?.name === 'AI_JSONParseError' || e?.name === 'AI_TypeValidationError' || e?.name === 'AI_InvalidResponseDataError')
    return 'its reply was not in the expected format';
  return `the call failed${typeof e?.name === 'string' && /^\w{1,60}$/.test(e.name) && e.name !== 'Error' ? ` (${e.name})` : ''}`;
}

/** A failed call as an error whose message is safe to show (see describeError). */
export const callFailed = (error: unknown) => new Error(describeError(error));
