import type { AnswerEngine } from '@/lib/answer/types';
import type { Config } from '@/lib/config';
import type { Engine } from './engine';
import { llmEngine } from './llm';
import { localEngine } from './local';

export type Task = 'answer' | 'briefing';
const doing: Record<Task, string> = { answer: 'answering', briefing: 'briefing' };

/** The engine a request asked for; without a configured LLM, the local one and a warning saying so. */
export function pickEngine(cfg: Config, requested: AnswerEngine, task: Task): { engine: Engine; warning?: string } {
  if (requested === 'local') return { engine: localEngine };
  if (!cfg.llm)
    return { engine: localEngine, warning: `No LLM is configured (set DOSSIER_LLM_PROVIDER); ${doing[task]} with the local engine.` };
  return { engine: llmEngine(cfg.llm) };
}

/**
 * Runs a task on an engine and, when that engine fails (unreachable, bad key, timeout), runs it on
 * the local engine with a one-line warning. Cancellation is not a failure: it propagates. `failed`
 * is an earlier failure of the same engine in this request (a follow-up's rewrite), so a dead
 * server costs one timeout, not two.
 */
export async function withFallback<T>(
  engine: Engine,
  run: (engine: Engine) => Promise<T>,
  options: { task: Task; signal?: AbortSignal; failed?: unknown },
): Promise<{ engine: Engine; value: T; warning?: string }> {
  try {
    if (options.failed) throw options.failed;
    return { engine, value: await run(engine) };
  } catch (error) {
    if (options.signal?.aborted || engine === localEngine) throw error;
    const warning = `The LLM could not be reached (${(error as Error).message}); here is the local ${options.task} instead.`;
    return { engine: localEngine, value: await run(localEngine), warning };
  }
}
