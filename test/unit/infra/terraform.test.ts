import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENTITY_CONSUMER, ENTITY_TOPIC, CONTROL_TOPICS } from '../../../shared/messaging/topics';
import { block, loadTerraform, repoRoot, resource, strings, type Block, type TerraformConfig } from './load-terraform';

interface FunctionSpec {
  entry_point: string;
  push_topic: string | null;
  timeout: number;
  ack_deadline: number | null;
}

/**
 * The contract from DESIGN section 2: function name → entry point. The webhook is not a functions-framework
 * function since issue #17 (it runs its own bounded server as a Cloud Run service: hostile-infra.test.ts).
 */
const ENTRY_POINTS: Record<string, string> = {
  'sync-customer': 'syncCustomer',
  'sync-invoice': 'syncInvoice',
  'sync-payment': 'syncPayment',
  'sync-refund': 'syncRefund',
  'sync-credit-note': 'syncCreditNote',
  'sync-payout': 'syncPayout',
  replay: 'replay',
  backfill: 'backfill',
};

/** Topic → the function its push subscription invokes. */
const PUSHED: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(ENTITY_TOPIC).map(([entity, topic]) => [
      topic,
      ENTITY_CONSUMER[entity as keyof typeof ENTITY_CONSUMER],
    ]),
  ),
  [CONTROL_TOPICS.schedulerTicks]: 'replay',
  [CONTROL_TOPICS.opsBackfill]: 'backfill',
};

let tf: TerraformConfig;
let functions: Record<string, FunctionSpec>;
/** local.push_subscriptions evaluated: topic → function (the for-expression over local.functions). */
let pushSubscriptions: Record<string, string>;

beforeAll(async () => {
  tf = await loadTerraform();
  functions = tf.locals.functions as Record<string, FunctionSpec>;
  expect(tf.locals.push_subscriptions).toMatch(
    /for name, fn in local\.functions : fn\.push_topic =>.*if fn\.push_topic != null/,
  );
  pushSubscriptions = Object.fromEntries(
    Object.entries(functions)
      .filter(([, fn]) => fn.push_topic !== null)
      .map(([name, fn]) => [fn.push_topic as string, name]),
  );
});

describe('Terraform (parsed offline with @cdktf/hcl2json)', () => {
  it('declares every function of the contract with its entry point, and no other', () => {
    expect(Object.fromEntries(Object.entries(functions).map(([name, fn]) => [name, fn.entry_point]))).toEqual(
      ENTRY_POINTS,
    );
    const fn = resource(tf, 'google_cloudfunctions2_function', 'function');
    expect(fn.for_each).toBe('${local.functions}');
    expect(fn.name).toBe('${each.key}');
    expect(block(fn, 'build_config').entry_point).toBe('${each.value.entry_point}');
  });

  it('runs every function on nodejs22, 2nd gen, from the hashed source object', () => {
    const fns = tf.resources.google_cloudfunctions2_function ?? {};
    expect(Object.keys(fns).length).toBeGreaterThan(0);
    for (const body of Object.values(fns)) expect(block(body, 'build_config').runtime).toBe('nodejs22');
    expect(tf.resources.google_cloudfunctions_function).toBeUndefined();
    const object = resource(tf, 'google_storage_bucket_object', 'source');
    expect(object.name).toContain('${data.archive_file.source.output_md5}');
  });

  it('gives each entity topic, scheduler-ticks and ops-backfill a push subscription to its function', () => {
    expect(pushSubscriptions).toEqual(PUSHED);
    const topics = [...(tf.locals.entity_topics as string[]), ...(tf.locals.control_topics as string[])];
    expect(topics.sort()).toEqual(Object.keys(PUSHED).sort());
    const push = resource(tf, 'google_pubsub_subscription', 'push');
    expect(push.for_each).toBe('${local.push_subscriptions}');
    expect(push.topic).toBe('${google_pubsub_topic.topic[each.key].id}');
    const config = block(push, 'push_config');
    expect(config.push_endpoint).toBe('${google_cloudfunctions2_function.function[each.value.function].url}');
    expect(block(config, 'oidc_token').service_account_email).toBe(
      '${google_service_account.push_invoker[each.key].email}',
    );
  });

  it('gives every push subscription ordering, 10 s-600 s retry and a dead letter after 10 attempts', () => {
    const push = resource(tf, 'google_pubsub_subscription', 'push');
    expect(push.enable_message_ordering).toBe(true);
    expect(block(push, 'retry_policy')).toEqual({ minimum_backoff: '10s', maximum_backoff: '600s' });
    expect(block(push, 'dead_letter_policy')).toEqual({
      dead_letter_topic: '${google_pubsub_topic.dead_letter[each.key].id}',
      max_delivery_attempts: 10,
    });
    expect(block(push, 'expiration_policy')).toEqual({ ttl: '' });
    expect(resource(tf, 'google_pubsub_topic', 'dead_letter').for_each).toBe('${local.push_subscriptions}');
    expect(resource(tf, 'google_pubsub_topic', 'dead_letter').name).toBe('${var.topic_prefix}${each.key}-dead-letter');
  });

  it('sets each push ack deadline at or above its function timeout and within the push maximum', () => {
    expect(resource(tf, 'google_pubsub_subscription', 'push').ack_deadline_seconds).toBe('${each.value.ack_deadline}');
    for (const [name, fn] of Object.entries(functions)) {
      if (fn.push_topic === null) continue;
      expect({ name, ok: fn.ack_deadline !== null && fn.ack_deadline >= fn.timeout && fn.ack_deadline <= 600 }).toEqual(
        { name, ok: true },
      );
    }
  });

  it('gives every dead-letter topic an archive pull subscription that never expires', () => {
    const archive = resource(tf, 'google_pubsub_subscription', 'dead_letter_archive');
    expect(archive.for_each).toBe('${local.push_subscriptions}');
    expect(archive.topic).toBe('${google_pubsub_topic.dead_letter[each.key].id}');
    expect(archive.push_config).toBeUndefined();
    expect(archive.bigquery_config).toBeUndefined();
    expect(block(archive, 'expiration_policy')).toEqual({ ttl: '' });
    expect(archive.message_retention_duration).toBe('604800s');
  });

  it('grants the Pub/Sub service agent what dead lettering and OIDC pushes need', () => {
    expect(tf.locals.pubsub_service_agent).toBe(
      'serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com',
    );
    const publisher = resource(tf, 'google_pubsub_topic_iam_member', 'dead_letter_publisher');
    expect(publisher).toMatchObject({
      for_each: '${local.push_subscriptions}',
      topic: '${google_pubsub_topic.dead_letter[each.key].name}',
      role: 'roles/pubsub.publisher',
      member: '${local.pubsub_service_agent}',
    });
    expect(resource(tf, 'google_pubsub_subscription_iam_member', 'dead_letter_subscriber')).toMatchObject({
      for_each: '${local.push_subscriptions}',
      subscription: '${google_pubsub_subscription.push[each.key].name}',
      role: 'roles/pubsub.subscriber',
      member: '${local.pubsub_service_agent}',
    });
    expect(resource(tf, 'google_service_account_iam_member', 'pubsub_token_creator')).toMatchObject({
      role: 'roles/iam.serviceAccountTokenCreator',
      member: '${local.pubsub_service_agent}',
    });
    // The BigQuery subscriptions write as their own account, which the agent may mint tokens for (issue #17).
    expect(resource(tf, 'google_service_account_iam_member', 'pubsub_mints_bigquery_writer')).toMatchObject({
      role: 'roles/iam.serviceAccountTokenCreator',
      member: '${local.pubsub_service_agent}',
    });
  });

  it('runs each function as its own service account', () => {
    const sa = resource(tf, 'google_service_account', 'function');
    // One per function and per public service (local.services merges both).
    expect(sa.for_each).toBe('${local.services}');
    expect(tf.locals.services).toBe('${merge(local.functions, local.public_services)}');
    expect(sa.account_id).toBe('${var.service_account_prefix}fn-${each.key}');
    const fn = resource(tf, 'google_cloudfunctions2_function', 'function');
    expect(block(fn, 'service_config').service_account_email).toBe(
      '${google_service_account.function[each.key].email}',
    );
    // account ids are 6-30 characters, with the longest allowed prefix ("abcd-").
    for (const name of [...Object.keys(functions), ...Object.keys(tf.locals.public_services as Block)]) {
      for (const id of [`abcd-fn-${name}`, `abcd-push-${name}`]) expect(id.length).toBeLessThanOrEqual(30);
      expect(`fn-${name}`.length).toBeGreaterThanOrEqual(6);
    }
  });

  it('grants roles/owner or roles/editor nowhere', () => {
    for (const file of tf.files) {
      const text = readFileSync(join(repoRoot, 'infra', file), 'utf8');
      expect({ file, hits: text.match(/roles\/(owner|editor)\b/g) ?? [] }).toEqual({ file, hits: [] });
    }
    const parsedHits = [...strings(tf.resources)].filter(([, value]) => /roles\/(owner|editor)\b/.test(value));
    expect(parsedHits).toEqual([]);
    // Every role granted anywhere is a literal predefined role or comes from a local/each expression checked here.
    const roles = [...strings(tf.resources)].filter(([path]) => /\.role$/.test(path)).map(([, value]) => value);
    expect(roles.length).toBeGreaterThan(5);
    for (const role of roles) expect(role).toMatch(/^(roles\/[a-zA-Z.]+|\$\{each\.(key|value\.role)\})$/);
  });

  it('makes only the webhook public (allUsers), and every other invoker an account', () => {
    const publicGrants: string[] = [];
    for (const [type, byName] of Object.entries(tf.resources))
      for (const [name, body] of Object.entries(byName))
        for (const [, value] of strings(body))
          if (/allUsers|allAuthenticatedUsers/.test(value)) publicGrants.push(`${type}.${name}`);
    // The webhook (Stripe) and the QBO connect callback (the person's browser, back from Intuit): issue #17.
    expect(publicGrants.sort()).toEqual([
      'google_cloud_run_v2_service_iam_member.qbo_connect_public',
      'google_cloud_run_v2_service_iam_member.webhook_public',
    ]);
    expect(resource(tf, 'google_cloud_run_v2_service_iam_member', 'webhook_public')).toMatchObject({
      name: '${google_cloud_run_v2_service.public["stripe-webhook"].name}',
      role: 'roles/run.invoker',
      member: 'allUsers',
    });
    const invokers = resource(tf, 'google_cloud_run_v2_service_iam_member', 'push_invoker');
    expect(invokers).toMatchObject({
      for_each: '${local.push_subscriptions}',
      name: '${google_cloudfunctions2_function.function[each.value.function].name}',
      member: 'serviceAccount:${google_service_account.push_invoker[each.key].email}',
    });
    // Every function has a push subscription (the webhook is a public service now), so each gets exactly its invoker.
    expect(Object.keys(functions).filter((name) => !Object.values(pushSubscriptions).includes(name))).toEqual([]);
  });

  it('reads secrets only where needed: webhook secrets for the webhook, QBO tokens for consumers', async () => {
    const grants = resource(tf, 'google_secret_manager_secret_iam_member', 'function');
    expect(grants.for_each).toBe('${local.secret_grants}');
    const accessors = tf.locals.secret_accessors as Record<string, string>;
    expect(accessors.webhook).toEqual(['stripe-webhook']);
    // QBO tokens: the consumers, and replay, which refreshes idle tenants' tokens (issue #17).
    expect(accessors.qbo_tokens).toBe('${local.qbo_token_holders}');
    expect(tf.locals.qbo_token_holders).toBe('${concat(local.consumers, ["replay"])}');
    expect((tf.locals.secret_rotators as Record<string, unknown>).webhook).toEqual([]);
  });

  it('creates the BigQuery tables from ddl/schemas and their views from ddl/views', () => {
    const tables = tf.locals.bigquery_tables as Record<string, { partition_field: string; clustering: string[] }>;
    const table = resource(tf, 'google_bigquery_table', 'table');
    expect(table.for_each).toBe('${local.bigquery_tables}');
    expect(table.schema).toBe('${file("${path.module}/../ddl/schemas/${each.key}.json")}');
    for (const [name, spec] of Object.entries(tables)) {
      const schemaFile = join(repoRoot, 'ddl', 'schemas', `${name}.json`);
      expect(existsSync(schemaFile)).toBe(true);
      const columns = (JSON.parse(readFileSync(schemaFile, 'utf8')) as { name: string }[]).map((c) => c.name);
      for (const field of [spec.partition_field, ...spec.clustering])
        expect({ name, field, ok: columns.includes(field) }).toEqual({ name, field, ok: true });
      expect(spec.clustering[0]).toBe('tenantId');
    }
    for (const view of tf.locals.bigquery_views as string[])
      expect(existsSync(join(repoRoot, 'ddl', 'views', `${view}.sql`))).toBe(true);
  });

  it('loads audit, link and event-archive tables through BigQuery subscriptions with the table schema', () => {
    const check = (body: Block, table: string) => {
      expect(block(body, 'bigquery_config')).toMatchObject({ use_table_schema: true, drop_unknown_fields: true });
      expect(String(block(body, 'bigquery_config').table)).toContain(table);
    };
    expect(tf.locals.record_sinks).toEqual({ 'audit-records': 'audit_records', 'link-records': 'link_records' });
    check(
      resource(tf, 'google_pubsub_subscription', 'records_to_bigquery'),
      '${google_bigquery_table.table[each.value].table_id}',
    );
    const archive = resource(tf, 'google_pubsub_subscription', 'events_archive');
    expect(archive.for_each).toBe('${toset(local.entity_topics)}');
    check(archive, 'google_bigquery_table.table["events_archive"]');
    check(
      resource(tf, 'google_pubsub_subscription', 'dead_letter_bigquery'),
      'google_bigquery_table.table["dead_letters"]',
    );
  });

  it('publishes the daily scheduler tick to scheduler-ticks as a replay command', () => {
    const job = resource(tf, 'google_cloud_scheduler_job', 'replay_tick');
    const target = block(job, 'pubsub_target');
    expect(target.topic_name).toBe('${google_pubsub_topic.topic["scheduler-ticks"].id}');
    expect(target.data).toMatch(/schemaVersion = 1, requestedBy = "scheduler"/);
  });

  it('pins the provider, keeps state in GCS, describes every variable and outputs the webhook URL and dataset', () => {
    const settings = tf.terraform[0] as Block;
    const providers = (settings.required_providers as Block[])[0] as Record<string, { version: string }>;
    expect(providers.google?.version).toMatch(/^~> \d+\.\d+/);
    expect(settings.backend).toEqual({ gcs: [{}] });
    for (const [name, variable] of Object.entries(tf.variables))
      expect({ name, described: typeof variable.description === 'string' && variable.description.length > 10 }).toEqual(
        { name, described: true },
      );
    expect(Object.keys(tf.outputs)).toEqual(expect.arrayContaining(['webhook_url', 'bigquery_dataset']));
    expect(tf.outputs.webhook_url?.value).toBe('${google_cloud_run_v2_service.public["stripe-webhook"].uri}');
  });

  it("alerts on dead letters, needs_reauth and parked items from the functions' JSON logs", () => {
    const metrics = tf.locals.log_metrics as Record<string, { filter: string }>;
    expect(metrics.dead_lettered?.filter).toContain('jsonPayload.outcome="dead_lettered"');
    expect(metrics.needs_reauth?.filter).toContain('needs_reauth');
    expect(metrics.parked?.filter).toContain('jsonPayload.outcome="parked"');
    const policy = resource(tf, 'google_monitoring_alert_policy', 'outcome');
    expect(Object.keys(policy.for_each as Block).sort()).toEqual(Object.keys(metrics).sort());
  });

  it('ships an example tfvars that sets only declared variables', () => {
    const example = readFileSync(join(repoRoot, 'infra', 'terraform.tfvars.example'), 'utf8');
    const names = [...example.matchAll(/^#?\s*([a-z_]+)\s*=/gm)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) expect(Object.keys(tf.variables)).toContain(name);
  });
});
