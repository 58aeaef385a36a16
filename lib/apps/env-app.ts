import { appInputSchema, describeIssue, type App, type AppInput } from './app.js';

/**
 * One app from the environment: the variables a Laravel or Rails deployment already sets for
 * Pusher, under Pushy's names. `PUSHY_APP_ID`, `PUSHY_APP_KEY` and `PUSHY_APP_SECRET` go together;
 * the others are optional.
 */
export const ENV_APP_VARIABLES = {
  id: 'PUSHY_APP_ID',
  key: 'PUSHY_APP_KEY',
  secret: 'PUSHY_APP_SECRET',
  name: 'PUSHY_APP_NAME',
  enabled: 'PUSHY_APP_ENABLED',
  enableClientEvents: 'PUSHY_APP_CLIENT_EVENTS',
  enableUserAuthentication: 'PUSHY_APP_USER_AUTHENTICATION',
  maxConnections: 'PUSHY_APP_MAX_CONNECTIONS',
  limits: 'PUSHY_APP_LIMITS',
  webhooks: 'PUSHY_APP_WEBHOOKS',
} as const satisfies Record<string, `PUSHY_APP_${string}`>;

type Field = keyof typeof ENV_APP_VARIABLES;
const BOOLEANS: readonly Field[] = ['enabled', 'enableClientEvents', 'enableUserAuthentication'];
const JSON_FIELDS: readonly Field[] = ['limits', 'webhooks'];

/**
 * The app the environment describes, or undefined when no `PUSHY_APP_*` variable is set.
 * Throws an Error naming the variable when one is missing or wrong (the config loader turns it
 * into a ConfigError).
 */
export function readEnvApp(env: NodeJS.ProcessEnv): App | undefined {
  const given = (Object.keys(ENV_APP_VARIABLES) as Field[]).filter((field) => env[ENV_APP_VARIABLES[field]] !== undefined && env[ENV_APP_VARIABLES[field]] !== '');
  if (given.length === 0) return undefined;
  const missing = (['id', 'key', 'secret'] as const).filter((field) => !given.includes(field));
  if (missing.length > 0) {
    throw new Error(`${missing.map((field) => ENV_APP_VARIABLES[field]).join(', ')}: must be set too (PUSHY_APP_ID, PUSHY_APP_KEY and PUSHY_APP_SECRET go together)`);
  }
  const input: Record<string, unknown> = {};
  for (const field of given) input[field] = convert(field, env[ENV_APP_VARIABLES[field]]!);
  const parsed = appInputSchema.safeParse(input as AppInput);
  if (parsed.success) return parsed.data;
  const field = parsed.error.issues[0]?.path[0];
  const variable = typeof field === 'string' && field in ENV_APP_VARIABLES ? ENV_APP_VARIABLES[field as Field] : 'PUSHY_APP_*';
  throw new Error(`${variable}: ${describeIssue(parsed.error)}`);
}

function convert(field: Field, text: string): unknown {
  const variable = ENV_APP_VARIABLES[field];
  if (BOOLEANS.includes(field)) {
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    throw new Error(`${variable}: must be true or false`);
  }
  if (field === 'maxConnections') {
    if (!/^\d+$/.test(text)) throw new Error(`${variable}: must be a non-negative integer`);
    return Number(text);
  }
  if (JSON_FIELDS.includes(field)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`${variable}: must be JSON`);
    }
  }
  return text;
}
