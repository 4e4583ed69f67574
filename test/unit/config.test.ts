import { ConfigError, parseConfig } from '../../shared/config/config';

describe('parseConfig', () => {
  it('runs on embedded defaults next to the emulators', () => {
    const config = parseConfig({ PUBSUB_EMULATOR_HOST: '127.0.0.1:8085' });
    expect(config).toMatchObject({ store: 'duckdb', secrets: 'local', qboEnvironment: 'sandbox', topicPrefix: '' });
  });

  it('names every problem at once', () => {
    try {
      parseConfig({ STORE: 'mysql', SECRETS: 'vault', QBO_BASE_URL: 'ftp://x', LOG_LEVEL: 'loud' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const key of ['STORE', 'SECRETS', 'QBO_BASE_URL', 'LOG_LEVEL', 'GOOGLE_CLOUD_PROJECT'])
        expect(problems).toContain(key);
    }
  });
});
