import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { LlmConfig } from '@/lib/config';
import { redactUrl } from '@/lib/http/redact';

/** The configured chat model: OpenAI, or any server speaking the OpenAI chat API (Ollama, LM Studio, vLLM, llama.cpp). */
export function languageModel(llm: LlmConfig): LanguageModel {
  if (llm.provider === 'openai') {
    // Chat Completions rather than the Responses API, so OpenAI-compatible proxies work too.
    return createOpenAI({ apiKey: llm.apiKey, baseURL: llm.baseURL }).chat(llm.model);
  }
  return createOpenAICompatible({ name: 'openai-compatible', baseURL: llm.baseURL!, apiKey: llm.apiKey }).chatModel(llm.model);
}

/** The model and where it runs, for the page header and /api/status: credentials in the URL are hidden. */
export function describeLlm(llm: LlmConfig): string {
  return llm.provider === 'openai' ? `OpenAI ${llm.model}` : `${llm.model} at ${redactUrl(llm.baseURL)}`;
}
