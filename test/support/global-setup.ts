import { startPubSubEmulator, startFirestoreEmulator, type RunningEmulator } from '../../dev/local-stack/emulators';

/**
 * Integration tests talk to real emulators. CI (.ci/run) starts them and exports their hosts; a developer who runs
 * `npm test` bare gets them started here and stopped in global-teardown. Unit-only runs skip them.
 */
declare global {
  var __STRIPE_QBO_EMULATORS__: RunningEmulator[] | undefined;
}

export default async function globalSetup(config: { selectProjects?: string[] | null }): Promise<void> {
  const selected = config.selectProjects;
  if (selected && selected.length > 0 && !selected.includes('integration')) return;
  const started: RunningEmulator[] = [];
  if (!process.env.PUBSUB_EMULATOR_HOST) {
    const pubsub = await startPubSubEmulator();
    process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
    started.push(pubsub);
  }
  if (!process.env.FIRESTORE_EMULATOR_HOST && process.env.STRIPE_QBO_TEST_FIRESTORE !== 'off') {
    const firestore = await startFirestoreEmulator();
    process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
    started.push(firestore);
  }
  process.env.GOOGLE_CLOUD_PROJECT ??= 'stripe-qbo-test';
  // Clients built from config name their universe for an emulator and never look for credentials
  // (shared/config/client-options.ts). Tests also build clients straight from the environment (new PubSub({projectId})),
  // which would probe for a GCE metadata server and warn; there is none here.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  globalThis.__STRIPE_QBO_EMULATORS__ = started;
}
