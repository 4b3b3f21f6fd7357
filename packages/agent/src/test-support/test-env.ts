import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/**
 * Loads `.tandem/test-env` (written by `scripts/test-env.sh up`) into process.env for
 * the names not already set, so that `npx vitest run <file>` works without sourcing it.
 */
export function loadTestEnv(): void {
  let text: string;
  try {
    text = readFileSync(join(REPO, '.tandem', 'test-env'), 'utf8');
  } catch {
    return;
  }
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1] && process.env[m[1]] === undefined) process.env[m[1]] = m[2] ?? '';
  }
}

/** The image the Docker tests run: a static busybox imported by scripts/test-env.sh. */
export function testImage(): string {
  return process.env.TANDEM_TEST_IMAGE ?? 'tandem-busybox:latest';
}

/** In CI a missing engine is a failure, not a reason to skip. */
export function mustHaveDocker(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}
