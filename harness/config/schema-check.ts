import { z } from 'zod';

/**
 * Only the issues of a failed check. zod's own error JSON-stringifies every issue,
 * with its input, into a message when it is made: for 150 000 bad list items that
 * was most of the time of a validation and hundreds of megabytes, for a message
 * chaoslab never shows (it writes its own, per issue, in load-issues.ts).
 */
class IssuesOnly {
  constructor(readonly issues: z.core.$ZodIssue[]) {}
}

const safeParseIssuesOnly = z.core._safeParse(IssuesOnly as unknown as z.core.$ZodErrorClass);

export type SchemaCheck<T> = { readonly success: true; readonly data: T } | { readonly success: false; readonly issues: readonly z.core.$ZodIssue[] };

/** `schema.safeParse(data, { reportInput: true })`, without building zod's error message. */
export function checkSchema<T>(schema: z.ZodType<T>, data: unknown): SchemaCheck<T> {
  const result = safeParseIssuesOnly(schema, data, { reportInput: true });
  return result.success ? { success: true, data: result.data as T } : { success: false, issues: (result.error as unknown as IssuesOnly).issues };
}
