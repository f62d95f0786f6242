import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, startTestEndpoint, type TestEndpoint } from './helpers.js';

const run = promisify(execFile);
const AWS_V2 = '/usr/bin/aws';
const RCLONE = '/usr/bin/rclone';
const awsV1 = (() => {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, 'aws');
    if (p !== AWS_V2 && existsSync(p)) return p;
  }
  return undefined;
})();

let ep: TestEndpoint;
let work: string;

const sha256File = (file: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });

beforeAll(async () => {
  ep = await startTestEndpoint();
  work = await mkdtemp(path.join(os.tmpdir(), 'tributary-s3-cli-'));
});
afterAll(async () => {
  await ep.stop();
  await rm(work, { recursive: true, force: true });
});

function awsCli(binary: string, configFile = '/dev/null', overrides: Record<string, string> = {}) {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    ...overrides,
  };
  return (...args: string[]) =>
    run(binary, [...args, '--endpoint-url', ep.server.url], { env, maxBuffer: 64 * 1024 * 1024 }).then(
      (r) => r.stdout,
    );
}

describe.each([
  ['AWS CLI v2', AWS_V2, 200 * 1024 * 1024],
  ['AWS CLI v1 (pip)', awsV1 ?? '', 20 * 1024 * 1024],
])('%s', (name, binary, size) => {
  const present = binary !== '' && existsSync(binary);
  const bucket = name.includes('v2') ? 'cli-v2' : 'cli-v1';

  const why = present ? '' : ` (skipped: ${binary || 'a pip aws-cli v1 on PATH'} not found)`;

  it.skipIf(!present)(
    `mb, cp ${size / 1024 / 1024} MB up (multipart) and back, ls, presign, head-object, rm${why}`,
    async () => {
      // aws-cli v1 presigns with Signature Version 2 unless told otherwise; this endpoint speaks only SigV4.
      const config = path.join(work, `${bucket}.config`);
      await writeFile(config, '[default]\ns3 =\n  signature_version = s3v4\n');
      const aws = awsCli(binary, config);
      const src = path.join(work, `${bucket}-src.bin`);
      const back = path.join(work, `${bucket}-back.bin`);
      // Written in 1 MiB blocks so a 200 MB test file never sits in memory at once.
      const { open } = await import('node:fs/promises');
      const fh = await open(src, 'w');
      for (let i = 0; i < size / (1024 * 1024); i++)
        await fh.write(
          createHash('sha512')
            .update(String(i))
            .digest()
            .toString('hex')
            .repeat(8192)
            .slice(0, 1024 * 1024),
        );
      await fh.close();

      await aws('s3', 'mb', `s3://${bucket}`);
      await aws('s3', 'cp', src, `s3://${bucket}/dir one/big file.bin`);
      await aws('s3', 'cp', `s3://${bucket}/dir one/big file.bin`, back);
      const listing = await aws('s3', 'ls', `s3://${bucket}`, '--recursive', '--summarize');
      const presigned = (
        await aws('s3', 'presign', `s3://${bucket}/dir one/big file.bin`, '--expires-in', '60')
      ).trim();
      const ranged = await fetch(presigned, { headers: { Range: 'bytes=0-9' } });
      const whole = await fetch(presigned);
      const wholeHash = createHash('sha256');
      for await (const chunk of whole.body as unknown as AsyncIterable<Uint8Array>) wholeHash.update(chunk);
      const head = JSON.parse(
        await aws('s3api', 'head-object', '--bucket', bucket, '--key', 'dir one/big file.bin'),
      ) as { ContentLength: number; ETag: string };
      await aws('s3', 'rm', `s3://${bucket}/dir one/big file.bin`);
      const after = await aws('s3', 'ls', `s3://${bucket}`, '--recursive');

      expect(await sha256File(back)).toBe(await sha256File(src));
      expect(listing).toContain('dir one/big file.bin');
      expect(listing).toMatch(/Total Objects: 1\s/);
      expect(listing).toContain(`Total Size: ${size}`);
      expect(whole.status).toBe(200);
      expect(wholeHash.digest('hex')).toBe(await sha256File(src));
      expect(ranged.status).toBe(206);
      expect(await ranged.text()).toBe((await readFile(src)).subarray(0, 10).toString());
      expect(head.ContentLength).toBe(size);
      expect(head.ETag).toMatch(/^"[0-9a-f]{32}-\d+"$/);
      expect(after.trim()).toBe('');
    },
    // ~30 s on two idle cores (200 MB up, down and through a presigned URL); room for a shared machine.
    240_000,
  );

  it.skipIf(!present)(
    `reports a missing bucket and wrong credentials with non-zero exits${why}`,
    async () => {
      const outcome = (p: Promise<string>) =>
        p.then(
          () => 'ok',
          (err: { code: number; stderr: string }) => `${err.code} ${err.stderr}`,
        );

      const missing = await outcome(awsCli(binary)('s3', 'ls', 's3://no-such-bucket-here'));
      const wrongSecret = await outcome(
        awsCli(binary, '/dev/null', { AWS_SECRET_ACCESS_KEY: 'wrong' })('s3', 'ls'),
      );
      const unknownKey = await outcome(
        awsCli(binary, '/dev/null', { AWS_ACCESS_KEY_ID: 'nobody' })('s3', 'ls'),
      );

      expect(missing).toMatch(/^[1-9]\d* [\s\S]*NoSuchBucket/);
      expect(wrongSecret).toMatch(/^[1-9]\d* [\s\S]*SignatureDoesNotMatch/);
      expect(unknownKey).toMatch(/^[1-9]\d* [\s\S]*InvalidAccessKeyId/);
    },
  );
});

describe('rclone', () => {
  const present = existsSync(RCLONE);

  it.skipIf(!present)(
    `copies a folder tree up and back; check equal; lsf -R without --fast-list lists everything${present ? '' : ` (skipped: ${RCLONE} not found)`}`,
    async () => {
      const s3 = ep.client();
      await s3.send(new CreateBucketCommand({ Bucket: 'rclone-test' }));
      const tree = path.join(work, 'tree');
      const files: Record<string, string> = {
        'top.txt': 'top',
        'd1/x/y/z.txt': 'deep only',
        'd2/a b.txt': 'space',
        'd2/plus+and%percent.txt': 'odd chars',
        'd3/ünï/🚀.txt': 'unicode',
        'd4/only/deeper/folders/leaf.bin': 'x'.repeat(300_000),
      };
      for (const [rel, content] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(tree, rel)), { recursive: true });
        await writeFile(path.join(tree, rel), content);
      }
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        RCLONE_CONFIG: '/dev/null',
        RCLONE_CONFIG_LOCALS3_TYPE: 's3',
        RCLONE_CONFIG_LOCALS3_PROVIDER: 'Other',
        RCLONE_CONFIG_LOCALS3_ENDPOINT: ep.server.url,
        RCLONE_CONFIG_LOCALS3_ACCESS_KEY_ID: credentials.accessKeyId,
        RCLONE_CONFIG_LOCALS3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        RCLONE_CONFIG_LOCALS3_FORCE_PATH_STYLE: 'true',
        RCLONE_CONFIG_LOCALS3_REGION: 'us-east-1',
      };
      delete env.AWS_CA_BUNDLE; // rclone 1.60 fails with LoadCustomCABundleError when it is set
      const rclone = (...args: string[]) => run(RCLONE, args, { env }).then((r) => r.stdout);
      const back = path.join(work, 'tree-back');

      await rclone('copy', tree, 'locals3:rclone-test/tree');
      await rclone('check', tree, 'locals3:rclone-test/tree');
      await rclone('copy', 'locals3:rclone-test/tree', back);
      const listed = (await rclone('lsf', '-R', 'locals3:rclone-test/tree')).trim().split('\n').sort();
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: 'rclone-test', Key: 'tree/d2/plus+and%percent.txt' }),
      );
      await s3.send(new PutObjectCommand({ Bucket: 'rclone-test', Key: 'tree/d2/a b.txt', Body: 'changed' }));
      const changed = await rclone('check', tree, 'locals3:rclone-test/tree').then(
        () => 'equal',
        (err: { code: number }) => `exit ${err.code}`,
      );

      for (const [rel, content] of Object.entries(files))
        expect(await readFile(path.join(back, rel), 'utf8')).toBe(content);
      expect(listed).toEqual(
        [
          'd1/',
          'd1/x/',
          'd1/x/y/',
          'd1/x/y/z.txt',
          'd2/',
          'd2/a b.txt',
          'd2/plus+and%percent.txt',
          'd3/',
          'd3/ünï/',
          'd3/ünï/🚀.txt',
          'd4/',
          'd4/only/',
          'd4/only/deeper/',
          'd4/only/deeper/folders/',
          'd4/only/deeper/folders/leaf.bin',
          'top.txt',
        ].sort(),
      );
      expect(head.ContentLength).toBe('odd chars'.length);
      expect(changed).toBe('exit 1');
    },
  );
});
