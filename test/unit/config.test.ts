import { PubSub } from '@google-cloud/pubsub';
import { firestoreSettings, pubsubClientOptions } from '../../shared/config/client-options';
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

  it('refuses an emulator host that is not host:port, with the other problems', () => {
    try {
      parseConfig({
        PUBSUB_EMULATOR_HOST: 'http://localhost:8085/',
        FIRESTORE_EMULATOR_HOST: 'localhost',
        GOOGLE_CLOUD_PROJECT: 'p',
        STORE: 'mysql',
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'STORE must be one of duckdb|firestore (got "mysql")',
        'PUBSUB_EMULATOR_HOST must be host:port (got "http://localhost:8085/")',
        'FIRESTORE_EMULATOR_HOST must be host:port (got "localhost")',
      ]);
    }
  });

  it('accepts the host forms the emulators print', () => {
    for (const host of ['localhost:8085', '127.0.0.1:8085', '[::1]:8085'])
      expect(parseConfig({ PUBSUB_EMULATOR_HOST: host, FIRESTORE_EMULATOR_HOST: host })).toMatchObject({
        pubsubEmulatorHost: host,
        firestoreEmulatorHost: host,
      });
  });

  it('holds no key nothing reads', () => {
    expect(Object.keys(parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', BQ_DATASET: 'x' })).sort()).toEqual([
      'duckdbPath',
      'firestoreEmulatorHost',
      'googleCloudProject',
      'logLevel',
      'pubsubEmulatorHost',
      'qboBaseUrl',
      'qboEnvironment',
      'secrets',
      'secretsDir',
      'store',
      'stripeApiBase',
      'topicPrefix',
    ]);
  });
});

describe('the Google clients built from config', () => {
  it('point Pub/Sub at the configured emulator, whatever the process environment says', () => {
    const config = parseConfig({ PUBSUB_EMULATOR_HOST: '127.0.0.1:9', GOOGLE_CLOUD_PROJECT: 'local' });
    const saved = process.env.PUBSUB_EMULATOR_HOST;
    process.env.PUBSUB_EMULATOR_HOST = '127.0.0.1:8';
    let pubsub: PubSub;
    try {
      pubsub = new PubSub(pubsubClientOptions(config));
    } finally {
      if (saved === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
      else process.env.PUBSUB_EMULATOR_HOST = saved;
    }
    expect(pubsub.isEmulator).toBe(true);
    expect(pubsub.projectId).toBe('local');
    expect(pubsub.options).toMatchObject({ servicePath: '127.0.0.1', port: 9 });
  });

  it('name the universe for an emulator, so no credentials are looked up (the metadata-server probe)', () => {
    const emulated = parseConfig({ PUBSUB_EMULATOR_HOST: '127.0.0.1:9', FIRESTORE_EMULATOR_HOST: '127.0.0.1:10' });
    expect(pubsubClientOptions(emulated)).toEqual({
      apiEndpoint: '127.0.0.1:9',
      emulatorMode: true,
      universeDomain: 'googleapis.com',
    });
    expect(firestoreSettings(emulated)).toEqual({ host: '127.0.0.1:10', ssl: false, universeDomain: 'googleapis.com' });
  });

  it('leave Google endpoints and credentials alone in production', () => {
    const production = parseConfig({ GOOGLE_CLOUD_PROJECT: 'prod', STORE: 'firestore', SECRETS: 'secret-manager' });
    expect(pubsubClientOptions(production)).toEqual({ projectId: 'prod' });
    expect(firestoreSettings(production)).toEqual({ projectId: 'prod' });
  });
});
