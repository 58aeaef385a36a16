import { z } from 'zod';
import type { ChatExampleOptions } from './app.js';

/**
 * `npm run example`'s defaults. Pushy gets its own port, not the server's 8123, so that
 * `npm start` and `npm run example` run side by side.
 */
export const EXAMPLE_DEFAULTS: ChatExampleOptions = {
  appPort: 8080,
  pushyPort: 8124,
  host: '127.0.0.1',
  secretKey: 'example-secret-change-me',
};

/** Which environment variable sets which option. */
export const EXAMPLE_ENV = {
  appPort: 'EXAMPLE_PORT',
  pushyPort: 'EXAMPLE_PUSHY_PORT',
  host: 'EXAMPLE_HOST',
  secretKey: 'PUSHY_SECRET_KEY',
} as const satisfies Record<keyof ChatExampleOptions, string>;

const port = z
  .string()
  .regex(/^\d{1,5}$/, 'must be a port number from 0 to 65535')
  .transform(Number)
  .pipe(z.number().max(65535, 'must be a port number from 0 to 65535'));

const schemas = {
  appPort: port,
  pushyPort: port,
  host: z.string().min(1, 'must not be empty'),
  secretKey: z.string().min(1, 'must not be empty'),
} satisfies Record<keyof ChatExampleOptions, z.ZodType>;

/** The example's options from the environment; a bad value throws an Error naming its variable. */
export function exampleOptions(env: NodeJS.ProcessEnv): ChatExampleOptions {
  const read = <K extends keyof ChatExampleOptions>(key: K): ChatExampleOptions[K] => {
    const raw = env[EXAMPLE_ENV[key]];
    if (raw === undefined) return EXAMPLE_DEFAULTS[key];
    const parsed = schemas[key].safeParse(raw);
    if (!parsed.success) throw new Error(`${EXAMPLE_ENV[key]}=${JSON.stringify(raw)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data as ChatExampleOptions[K];
  };
  return { appPort: read('appPort'), pushyPort: read('pushyPort'), host: read('host'), secretKey: read('secretKey') };
}
