import { checkId } from '@tandem/protocol';
import { readJson, writeJsonAtomic } from './durable-files.js';

/** The agent id persisted by an earlier run, if any. */
export async function readAgentId(path: string): Promise<string | undefined> {
  const value = (await readJson(path)) as { id?: unknown } | undefined;
  if (value === undefined || typeof value.id !== 'string' || value.id === '') return undefined;
  return checkId('agent_id', value.id);
}

export async function writeAgentId(path: string, id: string): Promise<void> {
  await writeJsonAtomic(path, { id });
}
