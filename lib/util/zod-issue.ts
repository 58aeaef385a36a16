import type { z } from 'zod';

/**
 * The first issue of a failed parse as one line, `where: what` (`what` alone at the top level),
 * e.g. `channel: invalid channel name`. Every boundary words its refusals with this.
 */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}
