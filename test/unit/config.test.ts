import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIELDS, fieldOf, isIpv4 } from '../../src/config/fields.js';
import { parseConfigText } from '../../src/config/file.js';
import { cidrHolding, cidrsOverlap, ipInCidr } from '../../src/config/network.js';
import { type Prompter, resolveConfig } from '../../src/config/resolve.js';
import { checkValue } from '../../src/config/validate.js';
import { UserError } from '../../src/errors.js';

describe('field rules', () => {
  test('PSC endpoint names follow the 1-20 a-z0-9 rule', () => {
    const field = fieldOf('pscEndpoint');
    assert.equal(checkValue(field, 'awsconnpscep'), undefined);
    assert.equal(checkValue(field, 'a'), undefined);
    assert.match(checkValue(field, 'AWS-Conn') ?? '', /1-20 lowercase letters or digits/);
    assert.ok(checkValue(field, 'aws-conn'));
    assert.ok(checkValue(field, '1abc'));
    assert.ok(checkValue(field, 'a'.repeat(21)));
  });

  test('IPv4 addresses are checked part by part', () => {
    assert.ok(isIpv4('10.164.128.1'));
    for (const bad of ['10.1.2', '10.1.2.256', '10.01.2.3', '1.2.3.4.5', 'a.b.c.d', '']) {
      assert.equal(isIpv4(bad), false, bad);
    }
    assert.match(checkValue(fieldOf('pscIp'), '10.1.2') ?? '', /IPv4/);
  });

  test('subnet ids need at least two distinct valid ids', () => {
    const field = fieldOf('subnetIds');
    assert.equal(
      checkValue(field, ['subnet-03e945e9c28079b4f', 'subnet-0a1b2c3d4e5f60718']),
      undefined,
    );
    assert.match(checkValue(field, ['subnet-03e945e9c28079b4f']) ?? '', /at least two/);
    assert.match(
      checkValue(field, ['subnet-a', 'subnet-b']) ?? '',
      /subnet-a, subnet-b is not valid/,
    );
    const twice = ['subnet-03e945e9c28079b4f', 'subnet-03e945e9c28079b4f'];
    assert.match(checkValue(field, twice) ?? '', /twice/);
  });

  test('every field has a flag matching its key and a rule', () => {
    for (const field of FIELDS) {
      const camel = field.flag.slice(2).replace(/-([a-z])/g, (_, l: string) => l.toUpperCase());
      assert.equal(camel, field.key);
      assert.ok(field.rule.length > 0);
    }
  });
});

describe('CIDR helpers', () => {
  test('containment and overlap', () => {
    assert.ok(ipInCidr('10.146.0.3', '10.146.0.0/24'));
    assert.equal(ipInCidr('10.164.128.1', '10.146.0.0/24'), false);
    assert.equal(cidrHolding('10.128.1.16', ['10.146.0.0/24', '10.128.0.0/20']), '10.128.0.0/20');
    assert.ok(cidrsOverlap('10.128.0.0/20', '10.128.1.0/24'));
    assert.equal(cidrsOverlap('10.128.0.0/20', '10.146.0.0/24'), false);
  });
});

describe('config file', () => {
  test('nested camelCase keys become flat values', () => {
    const values = parseConfigText(
      JSON.stringify({
        gcp: { project: 'my-proj-1', pscIp: '10.164.128.1' },
        aws: { subnetIds: ['x', 'y'] },
      }),
      'c.json',
    );
    assert.deepEqual(values, {
      gcpProject: 'my-proj-1',
      pscIp: '10.164.128.1',
      subnetIds: ['x', 'y'],
    });
  });

  test('unknown keys are rejected with their path', () => {
    assert.throws(
      () => parseConfigText(JSON.stringify({ gcp: { projct: 'x' }, extra: 1 }), 'c.json'),
      (error: unknown) =>
        error instanceof UserError &&
        error.exitCode === 2 &&
        error.message.includes('gcp.projct: unknown key') &&
        error.message.includes('extra: unknown key'),
    );
  });

  test('invalid JSON names the file', () => {
    assert.throws(() => parseConfigText('{', 'broken.json'), /broken\.json is not valid JSON/);
  });
});

describe('resolution', () => {
  const keys = ['gcpProject', 'pscIp', 'pscEndpoint', 'awsProfile'] as const;

  test('flag beats file beats state; defaults fill named resources', async () => {
    const { config, sources } = await resolveConfig({
      keys,
      flags: { gcpProject: 'from-flag-1' },
      file: { gcpProject: 'from-file-1', pscIp: '10.0.0.9' },
      state: { pscIp: '10.0.0.8', gcpProject: 'from-state-1' },
    });
    assert.equal(config.gcpProject, 'from-flag-1');
    assert.equal(config.pscIp, '10.0.0.9');
    assert.equal(config.pscEndpoint, 'pscbridge');
    assert.equal(config.awsProfile, undefined, 'optional values stay unset');
    assert.deepEqual(sources, { gcpProject: 'flag', pscIp: 'file', pscEndpoint: 'default' });
  });

  test('every missing value is named in one error', async () => {
    await assert.rejects(
      resolveConfig({ keys, flags: {}, file: {}, state: {} }),
      (error: unknown) =>
        error instanceof UserError &&
        error.code === 'MISSING_VALUES' &&
        error.message.includes('--gcp-project') &&
        error.message.includes('--psc-ip') &&
        !error.message.includes('--psc-endpoint'),
    );
  });

  test('invalid values are reported with field, flag and rule', async () => {
    await assert.rejects(
      resolveConfig({
        keys,
        flags: { pscEndpoint: 'AWS-Conn', pscIp: '10.1.2' },
        file: {},
        state: {},
      }),
      (error: unknown) =>
        error instanceof UserError &&
        /--psc-endpoint \(gcp\.pscEndpoint\): "AWS-Conn" is not valid/.test(error.message) &&
        /--psc-ip \(gcp\.pscIp\)/.test(error.message),
    );
  });

  test('prompts ask for what is missing, offering discovered choices', async () => {
    const asked: string[] = [];
    const prompter: Prompter = {
      text: async (field, validate) => {
        asked.push(`text:${field.key}`);
        assert.notEqual(validate('nonsense'), true, 'the prompt validates with the field rule');
        return '10.164.128.1';
      },
      select: async (field, choices) => {
        asked.push(`select:${field.key}`);
        return choices[1]?.value ?? '';
      },
      selectMany: async () => [],
    };
    const { config, sources } = await resolveConfig({
      keys,
      flags: {},
      file: {},
      state: {},
      prompter,
      discover: async (kind) =>
        kind === 'gcpProjects'
          ? [
              { value: 'first-proj', label: 'First' },
              { value: 'second-proj', label: 'Second' },
            ]
          : undefined,
    });
    assert.deepEqual(asked, ['select:gcpProject', 'text:pscIp']);
    assert.equal(config.gcpProject, 'second-proj');
    assert.equal(sources.pscIp, 'prompt');
  });
});
