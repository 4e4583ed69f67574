import type { ClientConfig } from '@google-cloud/pubsub';
import type { Settings as FirestoreSettings } from '@google-cloud/firestore';
import type { Config } from './config';

/**
 * The Google clients' options, from config. The emulator hosts are passed to the constructors instead of being left
 * in (or written to) process.env for the libraries to find: what a client talks to is then visible where it is built.
 *
 * The libraries still read PUBSUB_EMULATOR_HOST / FIRESTORE_EMULATOR_HOST from process.env themselves when it is set
 * (Firestore's wins over its settings); config reads the same variables, so both agree for the process's own env.
 */

/**
 * An emulator needs no credentials, but google-gax still asks google-auth-library for the credentials' "universe
 * domain" before opening a channel. Without a key file that means Application Default Credentials, which probe the
 * GCE metadata server and print a MetadataLookupWarning off Google Cloud (`npm run demo` did). Naming the universe
 * answers the question without the probe; the channel itself stays insecure and unauthenticated.
 */
const EMULATOR_UNIVERSE = 'googleapis.com';

type ClientConfigSource = Pick<Config, 'googleCloudProject' | 'pubsubEmulatorHost' | 'firestoreEmulatorHost'>;

export function pubsubClientOptions(config: ClientConfigSource): ClientConfig {
  return {
    ...(config.googleCloudProject ? { projectId: config.googleCloudProject } : {}),
    // emulatorMode: true, because naming the universe would otherwise make the client take the host for Google's.
    ...(config.pubsubEmulatorHost
      ? { apiEndpoint: config.pubsubEmulatorHost, emulatorMode: true, universeDomain: EMULATOR_UNIVERSE }
      : {}),
  };
}

export function firestoreSettings(config: ClientConfigSource): FirestoreSettings {
  return {
    ...(config.googleCloudProject ? { projectId: config.googleCloudProject } : {}),
    // ssl: false is how the client knows it is the emulator (it then sends the emulator's owner token).
    ...(config.firestoreEmulatorHost
      ? { host: config.firestoreEmulatorHost, ssl: false, universeDomain: EMULATOR_UNIVERSE }
      : {}),
  };
}
