import assert from 'node:assert/strict';
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

  it('requires SMTP in production, so that no mail or link ends up in files and logs', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /SMTP_URL: required when NODE_ENV=production/);
    assert.equal(loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25' }).smtpUrl, 'smtp://mail:25');
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
});
