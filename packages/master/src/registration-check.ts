import { type AgentInfo, checkId, type RegisterAgent, Resources, ValidationError } from '@tandem/protocol';

/**
 * What the master accepts of an agent's `register`. A number from an agent is input like
 * any other: NaN, infinity or 2^60 cpus would poison the allocator's arithmetic and every
 * share computed from it.
 */
export const AGENT_LIMITS = {
  /** cpus an agent may offer (the largest machines today have a few hundred cores). */
  maxCpus: 4096,
  /** Any other scalar (mem and disk in MB, gpus, custom ones): 2^50 MB is a zettabyte. */
  maxScalar: 2 ** 50,
  /** Port ranges lie within 1-65535. */
  minPort: 1,
  maxPort: 65_535,
  /** A DNS name's longest form. */
  maxHostnameLength: 253,
  /** The containerizers an agent can run (packages/agent/src/containerizer). */
  containerizers: ['docker', 'process', 'hollow'] as readonly string[],
} as const;

export interface CheckedRegistration {
  /** The agent info with its id (given, or new). */
  info: AgentInfo;
  total: Resources;
  /** The agent came with an id (a re-registration). */
  known: boolean;
}

/** True when `s` holds whitespace (any Unicode space) or a control character (C0, DEL, C1). */
function hasSpaceOrControl(s: string): boolean {
  if (/\s/u.test(s)) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Validates a `register` and returns the agent it admits; a refusal names the field at fault. Changes nothing. */
export function checkRegistration(reg: RegisterAgent, newAgentId: () => string): CheckedRegistration {
  const info = reg.agentInfo;
  if (!info) throw new ValidationError('register.agent_info', 'is required');
  const hostname = info.hostname;
  if (!hostname.trim()) throw new ValidationError('register.agent_info.hostname', 'must not be empty');
  if (hostname.length > AGENT_LIMITS.maxHostnameLength) {
    throw new ValidationError('register.agent_info.hostname', `must be at most ${AGENT_LIMITS.maxHostnameLength} characters, got ${hostname.length}`);
  }
  if (hasSpaceOrControl(hostname)) throw new ValidationError('register.agent_info.hostname', 'must not contain whitespace or control characters');
  const total = Resources.fromWire(info.resources, 'register.agent_info.resources');
  checkBounds(info, total);
  info.containerizers.forEach((name, i) => {
    if (!AGENT_LIMITS.containerizers.includes(name)) {
      throw new ValidationError(
        `register.agent_info.containerizers[${i}]`,
        `"${name.slice(0, 40)}" is not a containerizer the master knows (${AGENT_LIMITS.containerizers.join(', ')})`,
      );
    }
  });
  const id = info.id ? checkId('register.agent_info.id', info.id) : newAgentId();
  return { info: { ...info, id }, total, known: !!info.id };
}

/** Scalars within their bounds (summed over repeated entries, as `total` is), ports within 1-65535. */
function checkBounds(info: AgentInfo, total: Resources): void {
  for (const name of total.scalarNames()) {
    const value = total.scalar(name);
    const max = name === 'cpus' ? AGENT_LIMITS.maxCpus : AGENT_LIMITS.maxScalar;
    if (value > max) throw new ValidationError(`${resourceField(info, name)}.scalar`, `${name} must be at most ${max}, got ${value}`);
  }
  for (const r of total.ports) {
    if (r.begin < AGENT_LIMITS.minPort || r.end > AGENT_LIMITS.maxPort) {
      throw new ValidationError(
        `${resourceField(info, 'ports')}.ranges`,
        `ports must lie within ${AGENT_LIMITS.minPort}-${AGENT_LIMITS.maxPort}, got [${r.begin}-${r.end}]`,
      );
    }
  }
}

/** The field of the (last) wire entry that names resource `name`. */
function resourceField(info: AgentInfo, name: string): string {
  const i = info.resources.findLastIndex((r) => r.name === name);
  return `register.agent_info.resources[${Math.max(0, i)}]`;
}
