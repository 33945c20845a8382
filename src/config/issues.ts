import type { core } from 'zod';

/** Turns zod issues into lines a person can act on: `gcp.projct: unknown key`. */
export function describeIssues(issues: readonly core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${at ? `${at}.` : ''}${key}: unknown key`);
    }
    return [`${at || '(top level)'}: ${issue.message}`];
  });
}
