import type { z } from 'zod';
import type { ChannelPolicy } from '../channels/channel-policy.js';
import { PushyError } from '../errors.js';
import { describeIssue } from '../util/zod-issue.js';

/** Decodes a `<channel>` path segment and checks it with the channel policy; BAD_REQUEST otherwise. */
export function channelFromPath(encoded: string | undefined, policy: ChannelPolicy): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded ?? '');
  } catch {
    throw new PushyError('BAD_REQUEST', 'Invalid channel name');
  }
  const checked = policy.check(decoded);
  if (checked.ok) return checked.name;
  throw new PushyError('BAD_REQUEST', checked.tooLong ? `Invalid channel name: ${checked.reason}` : 'Invalid channel name');
}

/** Reads the query's first value of each parameter and validates it with `schema`. */
export function parseQuery<S extends z.ZodType>(schema: S, params: URLSearchParams): z.output<S> {
  // No prototype: a parameter named like an Object.prototype member (`constructor`, `__proto__`)
  // is a key like any other. forEach: no iterator result and entry array per parameter.
  const first: Record<string, string> = Object.create(null) as Record<string, string>;
  params.forEach((value, key) => {
    if (first[key] === undefined) first[key] = value;
  });
  const parsed = schema.safeParse(first);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.join('.') ?? '';
  const missing = issue?.code === 'invalid_type' && first[where] === undefined;
  throw new PushyError('BAD_REQUEST', missing ? `Missing parameter: ${where}` : `Invalid parameter ${describeIssue(parsed.error)}`);
}
