import { defineCommand } from '../../shared/cli/spec';

/** The local-stack commands' specs (see shared/cli/command-specs.ts for why specs live apart from the code). */

export const START = defineCommand({
  name: 'start',
  summary: 'run the local stack until Ctrl-C: webhook, consumers, Pub/Sub emulator, QBO simulator, DuckDB',
  details: [
    'Writes .local/stack.json with the URL of every part and the local tenants. Starts the Pub/Sub emulator',
    'unless PUBSUB_EMULATOR_HOST names a running one, and the QBO simulator unless QBO_BASE_URL is set.',
  ],
  options: {
    port: {
      type: 'integer',
      value: 'PORT',
      default: 8080,
      min: 0,
      description: 'webhook port; the other functions take the next ones (0: free ports)',
    },
  },
  examples: ['stripe-qbo start', 'stripe-qbo start --port 9000'],
});

export const DEMO = defineCommand({
  name: 'demo',
  summary: 'start the stack, send the demo scenario, print what landed in QBO and whether payouts tie out',
  details: [
    'Exit 0 when nothing was duplicated, lost or off by a penny, 1 otherwise. Ends with the operator console URL;',
    'in a terminal the stack and the console stay up until Ctrl-C (--exit stops at once).',
  ],
  options: {
    json: { type: 'boolean', description: 'print the report as JSON (with consoleUrl); stops at once' },
    exit: { type: 'boolean', description: 'stop the stack and the console as soon as the report is printed' },
    objects: { type: 'integer', value: 'N', default: 30, min: 1, description: 'Stripe objects in the scenario' },
    timeout: {
      type: 'integer',
      value: 'SECONDS',
      default: 180,
      min: 1,
      description: 'give up waiting for the pipeline to drain after this long',
    },
  },
  examples: ['stripe-qbo demo', 'stripe-qbo demo --objects 200 --json'],
});
