import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONNECT_WEBHOOK_SECRET_NAME } from '../../../shared/ingest/webhook-handler';
import { block, loadTerraform, repoRoot, resource, strings, type Block, type TerraformConfig } from './load-terraform';

/**
 * The deployment side of issue #17, checked offline: the public webhook on its own server (not a
 * functions-framework function), the Connect secret, alerts on webhook 5xx and on our own GCP permission failures,
 * the push identity the consumers verify, token-version rotation granted exactly, and narrow IAM for the webhook
 * and the BigQuery subscriptions.
 */
let tf: TerraformConfig;
beforeAll(async () => {
  tf = await loadTerraform();
});

const text = (file: string) => readFileSync(join(repoRoot, 'infra', file), 'utf8');
const allGrants = () =>
  Object.entries(tf.resources).flatMap(([type, byName]) =>
    Object.entries(byName)
      .filter(([, body]) => typeof body.role === 'string')
      .map(([name, body]) => ({ id: `${type}.${name}`, body })),
  );

describe('the public webhook', () => {
  it('is a Cloud Run service running its own bounded server, not a functions-framework function', () => {
    const functions = tf.locals.functions as Record<string, unknown>;
    expect(Object.keys(functions)).not.toContain('stripe-webhook');
    const services = tf.locals.public_services as Record<string, { script: string }>;
    expect(services['stripe-webhook']?.script).toBe('dist/functions/stripe-webhook.js');
    const run = resource(tf, 'google_cloud_run_v2_service', 'public');
    expect(run.for_each).toBe('${local.public_services}');
    expect(run.name).toBe('${each.key}');
    const container = block(block(run, 'template'), 'containers');
    expect(container.image).toBe('${var.public_image}');
    expect(container.command).toEqual(['node']);
    expect(container.args).toEqual(['${each.value.script}']);
    expect(existsSync(join(repoRoot, 'functions', 'stripe-webhook.ts'))).toBe(true);
    expect(tf.outputs.webhook_url?.value).toBe('${google_cloud_run_v2_service.public["stripe-webhook"].uri}');
  });

  it('is built into an image from the same source by the Dockerfile, which starts nothing else', () => {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:22/m);
    expect(dockerfile).toMatch(/npm run build:functions/);
    expect(dockerfile).toMatch(/ENV NODE_ENV=production/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node"\]/);
  });

  it('runs every function and service with NODE_ENV=production (no framework stack traces in error pages)', () => {
    expect((tf.locals.common_env as Record<string, string>).NODE_ENV).toBe('production');
  });

  it('reads tenants as a Firestore viewer, never datastore.user', () => {
    const users = tf.locals.firestore_users as string;
    expect(users).not.toContain('stripe-webhook');
    const viewer = resource(tf, 'google_project_iam_member', 'firestore_viewer');
    expect(viewer.role).toBe('roles/datastore.viewer');
    expect(viewer.member).toBe('serviceAccount:${google_service_account.function["stripe-webhook"].email}');
  });

  it('can read the Connect endpoint secret when the deployment enables Connect', () => {
    expect(tf.variables.stripe_connect?.default).toBe(false);
    expect(String(tf.locals.secrets)).toContain('local.connect_secret');
    const connect = String(tf.locals.connect_secret);
    expect(connect).toContain(`"${CONNECT_WEBHOOK_SECRET_NAME}" = "webhook"`);
    expect(connect).toMatch(/^\$\{var\.stripe_connect \?/);
    expect((tf.locals.secret_accessors as Record<string, unknown>).webhook).toEqual(['stripe-webhook']);
  });

  it('alerts on the webhook’s 5xx rate', () => {
    const policy = resource(tf, 'google_monitoring_alert_policy', 'webhook_5xx');
    const condition = block(block(policy, 'conditions'), 'condition_threshold');
    expect(condition.filter).toContain('run.googleapis.com/request_count');
    expect(condition.filter).toContain('response_code_class="5xx"');
    expect(condition.filter).toContain('service_name="${google_cloud_run_v2_service.public["stripe-webhook"].name}"');
    expect(condition.denominator_filter).toContain('run.googleapis.com/request_count');
    expect(policy.notification_channels).toBe('${var.notification_channels}');
  });
});

describe('consumers and their pushes', () => {
  it('gives each pushed function the audience and account its push tokens carry', () => {
    const fn = resource(tf, 'google_cloudfunctions2_function', 'function');
    const env = String(block(fn, 'service_config').environment_variables);
    expect(env).toContain('PUSH_AUDIENCE');
    expect(env).toContain('PUSH_INVOKER_EMAIL');
    expect(env).toContain('google_service_account.push_invoker');
    const oidc = block(block(resource(tf, 'google_pubsub_subscription', 'push'), 'push_config'), 'oidc_token');
    expect(oidc.audience).toBe('${local.push_audiences[each.value.function]}');
    expect(String(tf.locals.push_audiences)).toContain('run.app');
  });

  it('alerts on GCP permission failures and refused pushes, which are retried instead of flagging a tenant', () => {
    const metrics = tf.locals.log_metrics as Record<string, { filter: string }>;
    expect(metrics.gcp_permission?.filter).toContain('gcp_permission_denied');
    expect(metrics.gcp_permission?.filter).toContain('gcp_unauthenticated');
    expect(metrics.push_refused?.filter).toContain('push_');
    const policy = resource(tf, 'google_monitoring_alert_policy', 'outcome');
    expect(Object.keys(policy.for_each as Block)).toEqual(expect.arrayContaining(['gcp_permission', 'push_refused']));
  });
});

describe('QBO token rotation', () => {
  it('grants exactly add, list and destroy of versions on qbo-tokens, through one custom role', () => {
    const role = resource(tf, 'google_project_iam_custom_role', 'qbo_token_rotator');
    expect([...(role.permissions as string[])].sort()).toEqual([
      'secretmanager.versions.add',
      'secretmanager.versions.destroy',
      'secretmanager.versions.list',
    ]);
    const rotators = tf.locals.secret_rotators as Record<string, unknown>;
    expect(rotators.qbo_tokens).toBeDefined();
    expect(rotators.webhook).toEqual([]);
    expect(rotators.stripe_api_key).toEqual([]);
    expect(text('secrets.tf')).toContain('google_project_iam_custom_role.qbo_token_rotator.id');
    // The predefined role that also lets its holder enable/disable versions is granted nowhere.
    expect([...strings(tf.resources)].filter(([, v]) => /secretVersionManager|secretVersionAdder/.test(v))).toEqual([]);
  });

  it('lets replay refresh idle tenants’ tokens (read the app and the tokens, rotate the tokens)', () => {
    const holders = String(tf.locals.qbo_token_holders);
    expect(holders).toContain('local.consumers');
    expect(holders).toContain('replay');
    const accessors = tf.locals.secret_accessors as Record<string, unknown>;
    expect(accessors.qbo_tokens).toBe('${local.qbo_token_holders}');
    expect(accessors.qbo_oauth_client).toBe('${local.qbo_connectors}');
    expect((tf.locals.secret_rotators as Record<string, unknown>).qbo_tokens).toBe('${local.qbo_connectors}');
    expect(tf.locals.qbo_connectors).toBe('${concat(local.qbo_token_holders, ["qbo-connect"])}');
  });
});

describe('the QBO connect callback', () => {
  it('is a public service on the same bounded server, with what completing a connect needs and no more', () => {
    const services = tf.locals.public_services as Record<string, { script: string }>;
    expect(services['qbo-connect']?.script).toBe('dist/functions/qbo-connect.js');
    expect(existsSync(join(repoRoot, 'functions', 'qbo-connect.ts'))).toBe(true);
    expect(resource(tf, 'google_cloud_run_v2_service_iam_member', 'qbo_connect_public')).toMatchObject({
      name: '${google_cloud_run_v2_service.public["qbo-connect"].name}',
      member: 'allUsers',
    });
    expect(String(tf.locals.firestore_users)).toContain('qbo-connect');
    expect(String(tf.locals.qbo_token_holders)).not.toContain('qbo-connect');
    expect(tf.outputs.qbo_connect_callback_url?.value).toBe(
      '${google_cloud_run_v2_service.public["qbo-connect"].uri}/callback',
    );
  });
});

describe('BigQuery subscriptions', () => {
  it('write as a dedicated service account with dataEditor on exactly their tables, not the dataset', () => {
    expect(tf.resources.google_bigquery_dataset_iam_member).toBeUndefined();
    const writer = resource(tf, 'google_service_account', 'bigquery_writer');
    expect(writer.account_id).toBe('${var.service_account_prefix}bq-writer');
    const grant = resource(tf, 'google_bigquery_table_iam_member', 'bigquery_writer');
    expect(grant).toMatchObject({
      for_each: '${local.bigquery_tables}',
      table_id: '${google_bigquery_table.table[each.key].table_id}',
      role: 'roles/bigquery.dataEditor',
      member: 'serviceAccount:${google_service_account.bigquery_writer.email}',
    });
    for (const name of ['records_to_bigquery', 'events_archive', 'dead_letter_bigquery'])
      expect(block(resource(tf, 'google_pubsub_subscription', name), 'bigquery_config').service_account_email).toBe(
        '${google_service_account.bigquery_writer.email}',
      );
    expect(resource(tf, 'google_service_account_iam_member', 'pubsub_mints_bigquery_writer')).toMatchObject({
      service_account_id: '${google_service_account.bigquery_writer.name}',
      role: 'roles/iam.serviceAccountTokenCreator',
      member: '${local.pubsub_service_agent}',
    });
    // The Pub/Sub agent itself holds no BigQuery role anywhere.
    const agentBigQuery = allGrants().filter(
      ({ body }) => body.member === '${local.pubsub_service_agent}' && /bigquery/.test(String(body.role)),
    );
    expect(agentBigQuery).toEqual([]);
  });
});

describe('infra/README.md', () => {
  it('lists every service account with its roles and why', () => {
    const readme = text('README.md');
    const section = readme.split(/^## Service accounts/m)[1]?.split(/^## /m)[0] ?? '';
    expect(section.length).toBeGreaterThan(200);
    for (const account of [
      'fn-stripe-webhook',
      'fn-qbo-connect',
      'fn-sync-customer',
      'fn-replay',
      'fn-backfill',
      'push-sync-invoice',
      'push-replay',
      'bq-writer',
      'fn-build',
      'gcp-sa-pubsub',
    ])
      expect({ account, listed: section.includes(account) }).toEqual({ account, listed: true });
    for (const role of ['datastore.viewer', 'datastore.user', 'qboTokenRotator', 'bigquery.dataEditor', 'run.invoker'])
      expect({ role, listed: section.includes(role) }).toEqual({ role, listed: true });
  });
});
