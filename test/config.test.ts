import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('config', () => {
  it('has defaults that need no configuration', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.baseUrl, 'http://localhost:3000');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.trustProxy, false);
  });

  it('names the bad variable', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), (error: Error) => error instanceof ConfigError && /PORT/.test(error.message));
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL: must start with postgres/);
    assert.throws(() => loadConfig({ SMTP_URL: 'http://mail' }), /SMTP_URL/);
  });

  const production = { NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25', BASE_URL: 'https://campaign.example.org', MAIL_FROM: 'Campaign <campaign@example.org>' };

  it('starts in production only with SMTP, a public https address and a sender, and without demo content', () => {
    assert.throws(() => loadConfig({ ...production, SMTP_URL: undefined }), /SMTP_URL: required when NODE_ENV=production/);
    assert.throws(() => loadConfig({ ...production, BASE_URL: undefined }), /BASE_URL: required when NODE_ENV=production/);
    assert.throws(() => loadConfig({ ...production, BASE_URL: 'http://localhost:3000' }), /BASE_URL: must be https when NODE_ENV=production/);
    assert.throws(() => loadConfig({ ...production, MAIL_FROM: undefined }), /MAIL_FROM: required when NODE_ENV=production/);
    const config = loadConfig(production);
    assert.equal(config.smtpUrl, 'smtp://mail:25');
    assert.equal(config.baseUrl, 'https://campaign.example.org');
    assert.equal(config.mailFrom, 'Campaign <campaign@example.org>');
    assert.equal(config.demoContent, false, 'demo petitions in real people\'s names do not go live');
    assert.equal(loadConfig({ ...production, DEMO_CONTENT: 'true' }).demoContent, true, 'unless asked for');
    assert.equal(loadConfig({}).demoContent, true, 'in development they are the demo');
  });

  it('takes BASE_URL only as an http(s) origin', () => {
    for (const bad of ['ftp://campaign.example.org', 'mailto:campaign@example.org', 'javascript:alert(1)', 'https://campaign.example.org/news', 'https://campaign.example.org/?a=1', 'https://campaign.example.org/#top', 'campaign.example.org']) {
      assert.throws(() => loadConfig({ BASE_URL: bad }), /BASE_URL/, bad);
    }
    assert.equal(loadConfig({ BASE_URL: 'https://campaign.example.org/' }).baseUrl, 'https://campaign.example.org');
    assert.equal(loadConfig({ BASE_URL: 'http://127.0.0.1:3000' }).baseUrl, 'http://127.0.0.1:3000');
  });

  it('reads trust proxy as a hop count or a list, and refuses to trust every client', () => {
    assert.throws(() => loadConfig({ TRUST_PROXY: 'true' }), /TRUST_PROXY/);
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.equal(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy, 'loopback');
  });

  it('refuses a hop count beyond any real chain of proxies, which would trust a forged X-Forwarded-For', () => {
    assert.equal(loadConfig({ TRUST_PROXY: '0' }).trustProxy, 0);
    assert.equal(loadConfig({ TRUST_PROXY: '3' }).trustProxy, 3);
    for (const hops of ['4', '99', '4294967296']) {
      assert.throws(() => loadConfig({ TRUST_PROXY: hops }), (error: Error) => error instanceof ConfigError && /TRUST_PROXY: .*real number of proxies/.test(error.message), hops);
    }
  });

  it('runs one web process unless WEB_PROCESSES asks for more: a count, or auto for one per core', () => {
    assert.equal(loadConfig({}).webProcesses, 1);
    assert.equal(loadConfig({ WEB_PROCESSES: '4' }).webProcesses, 4);
    assert.equal(loadConfig({ WEB_PROCESSES: 'auto' }).webProcesses, Math.min(os.availableParallelism(), 64));
    for (const bad of ['0', '-1', '1.5', 'two', 'AUTO', '65']) {
      assert.throws(() => loadConfig({ WEB_PROCESSES: bad }), (error: Error) => error instanceof ConfigError && /WEB_PROCESSES: must be a number of processes from 1 to 64, or auto/.test(error.message), bad);
    }
  });
});
