import { envValueSchema, MAX_TASK_CPUS, MAX_TASK_DISK_MB, MAX_TASK_MEM_MB, reportBadEnvNames, secretsSchema } from '@tandem/protocol';
import { z } from 'zod';

/**
 * The zod schema of a Marathon app definition as it arrives over the API: Marathon's
 * fields and defaults (app.raml), plus Tandem's `upgradeStrategy.deploymentTimeoutSeconds`.
 * Unknown and read-only fields (tasksRunning, version, ...) are dropped. Cross-field rules
 * live in `validate-app.ts`.
 */

const num = (what = 'a number') => z.number({ error: (i) => (i.input === undefined ? 'is required' : `must be ${what}`) });
const nonNegative = () => num().min(0, 'must be >= 0');
const fraction = (def: number) => num().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(def);
const str = () => z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') });
const bool = () => z.boolean({ error: 'must be true or false' });
const stringMap = (what: string) => z.record(z.string(), z.string({ error: `${what} values must be strings` }), { error: 'must be an object of strings' });
/**
 * `env`: values under POSIX names (a name that is not one is a 422 naming `/env/<name>`),
 * each a string or `{"secret": "<name in secrets>"}` (validate-app checks the name is defined).
 */
const envMap = () =>
  z
    .record(z.string(), envValueSchema, { error: 'must be an object of strings or {"secret": ...}' })
    .superRefine((env, ctx) => reportBadEnvNames(env, (name, message) => ctx.addIssue({ code: 'custom', path: [name], message })));

const nullish = <T extends z.ZodType>(t: T) => t.nullish().transform((v) => v ?? undefined);

export const CONSTRAINT_OPERATORS = ['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS'] as const;
export type ConstraintOperator = (typeof CONSTRAINT_OPERATORS)[number];

export const constraintSchema = z
  .array(str(), { error: 'must be [field, operator, value?]' })
  .min(2, 'must be [field, operator, value?]')
  .max(3, 'must be [field, operator, value?]')
  .superRefine((c, ctx) => {
    const [field, op, value] = c;
    if (!field) ctx.addIssue({ code: 'custom', message: 'field must not be empty', path: [0] });
    if (!(CONSTRAINT_OPERATORS as readonly string[]).includes(op ?? '')) {
      ctx.addIssue({ code: 'custom', message: `unknown operator "${op}"; use one of ${CONSTRAINT_OPERATORS.join(', ')}`, path: [1] });
      return;
    }
    const needsValue = op === 'LIKE' || op === 'UNLIKE' || op === 'MAX_PER' || op === 'IS';
    if (needsValue && (value === undefined || value === '')) ctx.addIssue({ code: 'custom', message: `${op} needs a value`, path: [2] });
    if ((op === 'LIKE' || op === 'UNLIKE') && value !== undefined) {
      try {
        new RegExp(`^(?:${value})$`);
      } catch {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a valid regular expression`, path: [2] });
      }
    }
    if ((op === 'MAX_PER' || op === 'GROUP_BY') && value !== undefined && value !== '' && !/^[1-9][0-9]*$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: `${op} needs a whole number >= 1, got "${value}"`, path: [2] });
    }
    if (op === 'UNIQUE' && value !== undefined) ctx.addIssue({ code: 'custom', message: 'UNIQUE takes no value', path: [2] });
  })
  .transform((c) => c as [string, ConstraintOperator, string?]);

export const HEALTH_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'] as const;

export const healthCheckSchema = z
  .object({
    protocol: z.enum(HEALTH_PROTOCOLS, { error: `must be one of ${HEALTH_PROTOCOLS.join(', ')}` }).default('HTTP'),
    path: str().default('/'),
    portIndex: nullish(num('a whole number >= 0').int('must be a whole number >= 0').min(0, 'must be a whole number >= 0')),
    port: nullish(num()),
    command: nullish(z.object({ value: str().min(1, 'must not be empty') }, { error: 'must be {"value": "..."}' })),
    gracePeriodSeconds: nonNegative().default(300),
    intervalSeconds: num().positive('must be > 0').default(60),
    timeoutSeconds: num().positive('must be > 0').default(20),
    maxConsecutiveFailures: num().int('must be a whole number').min(0, 'must be >= 0').default(3),
    delaySeconds: nonNegative().default(15),
    ignoreHttp1xx: bool().default(false),
  })
  .superRefine((h, ctx) => {
    if (h.protocol === 'HTTPS' || h.protocol === 'MESOS_HTTPS') {
      ctx.addIssue({ code: 'custom', message: `${h.protocol} checks are not supported; use HTTP or MESOS_HTTP`, path: ['protocol'] });
    }
    if (h.protocol === 'COMMAND' && !h.command) ctx.addIssue({ code: 'custom', message: 'a COMMAND check needs a command', path: ['command'] });
    if (h.port !== undefined) ctx.addIssue({ code: 'custom', message: 'a fixed port is not supported; use portIndex', path: ['port'] });
  });

export const READINESS_PROTOCOLS = ['HTTP', 'HTTPS'] as const;

/**
 * Marathon's readiness check (readinessCheck.raml, defaults from ReadinessCheck.scala).
 * Seconds may be fractional in Tandem (Marathon takes whole seconds). `portName` must
 * name one of the app's portDefinitions: checked in `validate-app.ts`.
 */
export const readinessCheckSchema = z
  .object(
    {
      name: str().min(1, 'must not be empty').default('readinessCheck'),
      protocol: z.enum(READINESS_PROTOCOLS, { error: `must be one of ${READINESS_PROTOCOLS.join(', ')}` }).default('HTTP'),
      path: str().min(1, 'must not be empty').default('/'),
      portName: str().min(1, 'must not be empty').default('http-api'),
      intervalSeconds: num().positive('must be > 0').default(30),
      timeoutSeconds: num().positive('must be > 0').default(10),
      httpStatusCodesForReady: z
        .array(
          num('an HTTP status code from 100 to 999')
            .int('must be an HTTP status code from 100 to 999')
            .min(100, 'must be an HTTP status code from 100 to 999')
            .max(999, 'must be an HTTP status code from 100 to 999'),
          { error: 'must be an array of HTTP status codes' },
        )
        .min(1, 'must not be empty')
        .default([200]),
      preserveLastResponse: bool().default(false),
    },
    { error: 'must be an object' },
  )
  .superRefine((r, ctx) => {
    if (!r.path.startsWith('/')) ctx.addIssue({ code: 'custom', message: 'must start with /', path: ['path'] });
    if (r.timeoutSeconds >= r.intervalSeconds) ctx.addIssue({ code: 'custom', message: 'must be smaller than intervalSeconds', path: ['timeoutSeconds'] });
  });

export const portDefinitionSchema = z.object({
  port: num('a port from 0 to 65535')
    .int('must be a port from 0 to 65535')
    .min(0, 'must be a port from 0 to 65535')
    .max(65535, 'must be a port from 0 to 65535'),
  protocol: z.enum(['tcp', 'udp', 'udp,tcp'], { error: 'must be tcp, udp or udp,tcp' }).default('tcp'),
  name: nullish(str()),
  labels: nullish(stringMap('label')),
});

const portNumber = () =>
  num('a port from 0 to 65535').int('must be a port from 0 to 65535').min(0, 'must be a port from 0 to 65535').max(65535, 'must be a port from 0 to 65535');

/**
 * A bridge-mode port mapping (Marathon's container.portMappings, or the legacy
 * container.docker.portMappings): containerPort 0 is the host port; hostPort 0 or absent is
 * a port from the offer; servicePort 0 is assigned from the service port range.
 */
export const portMappingSchema = z.object(
  {
    containerPort: portNumber().default(0),
    hostPort: nullish(portNumber()),
    servicePort: portNumber().default(0),
    protocol: z.enum(['tcp', 'udp', 'udp,tcp'], { error: 'must be tcp, udp or udp,tcp' }).default('tcp'),
    name: nullish(str()),
    labels: nullish(stringMap('label')),
  },
  { error: 'must be an object' },
);

const dockerSchema = z.object(
  {
    image: str().min(1, 'must not be empty'),
    forcePullImage: bool().default(false),
    privileged: bool().default(false),
    network: nullish(z.string()),
    portMappings: nullish(z.array(portMappingSchema)),
    parameters: z.array(z.unknown()).default([]),
  },
  { error: 'must be an object with an image' },
);

export const containerSchema = z.object(
  {
    type: z.enum(['DOCKER', 'MESOS'], { error: 'must be DOCKER or MESOS' }).default('DOCKER'),
    docker: nullish(dockerSchema),
    volumes: z.array(z.record(z.string(), z.unknown())).default([]),
    portMappings: nullish(z.array(portMappingSchema)),
  },
  { error: 'must be an object' },
);

/** Marathon's fetch entry (FetchUri): extracted by default when it is an archive. */
export const fetchSchema = z.object(
  {
    uri: str().min(1, 'must not be empty'),
    extract: bool().default(true),
    executable: bool().default(false),
    cache: bool().default(false),
    destPath: nullish(str().min(1, 'must not be empty')),
  },
  { error: 'must be {"uri": "...", "extract", "executable", "cache", "destPath"}' },
);

export const upgradeStrategySchema = z
  .object({
    minimumHealthCapacity: fraction(1),
    maximumOverCapacity: fraction(1),
    /** Tandem: fail the deployment and roll back after this many seconds. */
    deploymentTimeoutSeconds: nullish(num().positive('must be > 0')),
  })
  .default({ minimumHealthCapacity: 1, maximumOverCapacity: 1, deploymentTimeoutSeconds: undefined });

export const unreachableStrategySchema = z
  .union([z.literal('disabled'), z.object({ inactiveAfterSeconds: nonNegative().default(300), expungeAfterSeconds: nonNegative().default(600) })], {
    error: 'must be "disabled" or {inactiveAfterSeconds, expungeAfterSeconds}',
  })
  .default({ inactiveAfterSeconds: 300, expungeAfterSeconds: 600 });

export const appSchema = z.object(
  {
    id: str(),
    cmd: nullish(str()),
    args: nullish(z.array(str())),
    user: nullish(str()),
    instances: num('a whole number >= 0').int('must be a whole number >= 0').min(0, 'must be a whole number >= 0').default(1),
    cpus: num().positive('must be > 0').max(MAX_TASK_CPUS, `must be at most ${MAX_TASK_CPUS} (larger than any agent)`).default(1),
    mem: num().positive('must be > 0').max(MAX_TASK_MEM_MB, `must be at most ${MAX_TASK_MEM_MB} MiB (larger than any agent)`).default(128),
    disk: nonNegative().max(MAX_TASK_DISK_MB, `must be at most ${MAX_TASK_DISK_MB} MiB (larger than any agent)`).default(0),
    gpus: num().max(0, 'GPUs are not supported').default(0),
    executor: str().default(''),
    container: nullish(containerSchema),
    env: envMap().default({}),
    /** Marathon's secrets: `{"<name>": {"source": "<file name in the agent's --secrets-dir>"}}`; only references are kept. */
    secrets: secretsSchema.default({}),
    labels: stringMap('label').default({}),
    portDefinitions: nullish(z.array(portDefinitionSchema)),
    ports: nullish(z.array(portDefinitionSchema.shape.port)),
    requirePorts: bool().default(false),
    constraints: z.array(constraintSchema).default([]),
    healthChecks: z.array(healthCheckSchema).default([]),
    readinessChecks: z.array(readinessCheckSchema, { error: 'must be an array of readiness checks' }).default([]),
    upgradeStrategy: upgradeStrategySchema,
    backoffSeconds: nonNegative().default(1),
    backoffFactor: num().min(1, 'must be >= 1').default(1.15),
    maxLaunchDelaySeconds: nonNegative().default(300),
    killSelection: z.enum(['YOUNGEST_FIRST', 'OLDEST_FIRST'], { error: 'must be YOUNGEST_FIRST or OLDEST_FIRST' }).default('YOUNGEST_FIRST'),
    taskKillGracePeriodSeconds: nullish(num().positive('must be > 0')),
    unreachableStrategy: unreachableStrategySchema,
    dependencies: z.array(str()).default([]),
    role: str().min(1, 'must not be empty').default('*'),
    acceptedResourceRoles: nullish(z.array(str())),
    fetch: z.array(fetchSchema).default([]),
    uris: z.array(str()).default([]),
    networks: z.array(z.object({ mode: z.string().default('host'), name: nullish(z.string()) })).default([{ mode: 'host', name: undefined }]),
  },
  { error: 'must be a JSON object' },
);

export type AppInput = z.input<typeof appSchema>;
export type ParsedApp = z.output<typeof appSchema>;
export type HealthCheckDefinition = z.output<typeof healthCheckSchema>;
export type PortDefinition = z.output<typeof portDefinitionSchema>;
export type ReadinessCheckDefinition = z.output<typeof readinessCheckSchema>;
export type Constraint = z.output<typeof constraintSchema>;
export type PortMapping = z.output<typeof portMappingSchema>;
