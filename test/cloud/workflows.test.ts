import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/cloud/app.js';
import { STAGE_NAMES } from '../../src/cloud/stages.js';

const workflow = (name: string) =>
  readFileSync(path.join(PROJECT_ROOT, '.github', 'workflows', name), 'utf8');

/** The top-level block `key:` of a workflow, up to the next top-level key. */
function block(text: string, key: string): string {
  const match = new RegExp(`^${key}:\\n((?:[ #].*\\n|\\n)*)`, 'm').exec(text);
  if (!match) throw new Error(`no top-level "${key}:" block`);
  return match[1] as string;
}

/** Each job's text, by job id (two-space indented keys under `jobs:`). */
function jobs(text: string): Map<string, string> {
  const body = block(text, 'jobs');
  const parts = body.split(/^ {2}(?=[a-z][\w-]*:\n)/m).filter((p) => p.trim());
  return new Map(parts.map((p) => [p.slice(0, p.indexOf(':')), p]));
}

/**
 * The contract docs/deploy.md states and the deploy role's trust policy relies on: OIDC
 * (no stored keys), one job per stage in its own GitHub environment (the `sub` the trust
 * policy allows), devl on pushes to main, test and prod after it; tests on pull requests.
 */
describe('GitHub Actions workflows', () => {
  it('deploy.yml: OIDC, devl on push to main, then test and prod, each in its environment', () => {
    const text = workflow('deploy.yml');
    expect(block(text, 'on')).toMatch(/push:\n\s+branches: \[main\]/);
    expect(block(text, 'permissions')).toMatch(/id-token: write/);
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key/i);
    const byId = jobs(text);
    expect([...byId.keys()]).toEqual([...STAGE_NAMES]);
    STAGE_NAMES.forEach((stage, i) => {
      const job = byId.get(stage) as string;
      expect(job).toMatch(new RegExp(`^ {4}environment: ${stage}$`, 'm'));
      expect(job).toMatch(/role-to-assume: \$\{\{ vars\.AWS_DEPLOY_ROLE_ARN \}\}/);
      expect(job).toMatch(new RegExp(`deploy --stage ${stage} `));
      if (i > 0) expect(job).toMatch(new RegExp(`^ {4}needs: ${STAGE_NAMES[i - 1]}$`, 'm'));
    });
  });

  it('test.yml: runs CI on pull requests without AWS access', () => {
    const text = workflow('test.yml');
    expect(block(text, 'on')).toMatch(/pull_request:/);
    expect(block(text, 'permissions')).not.toMatch(/id-token/);
    expect(text).toMatch(/\.ci\/run/);
  });
});
