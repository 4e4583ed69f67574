import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConsoleConfig } from '../../../shared/console/config';
import { ENTITY_TOPIC, CONTROL_TOPICS } from '../../../shared/messaging/topics';
import { block, loadTerraform, repoRoot, resource, strings, type Block, type TerraformConfig } from './load-terraform';

/** infra/console.tf, parsed offline: the console behind IAP, and its account's least privilege. */
let tf: TerraformConfig;
beforeAll(async () => {
  tf = await loadTerraform();
});

const consoleResources = () =>
  Object.entries(tf.resources).flatMap(([type, byName]) =>
    Object.entries(byName)
      .filter(([name]) => name.startsWith('console'))
      .map(([name, body]) => ({ type, name, body })),
  );
const CONSOLE_SA = '${google_service_account.console[0].email}';

describe('the console in Terraform (infra/console.tf)', () => {
  it('deploys the console function on nodejs22 from the same source, reachable only through the load balancer', () => {
    const fn = resource(tf, 'google_cloudfunctions2_function', 'console');
    const build = block(fn, 'build_config');
    expect(build).toMatchObject({ runtime: 'nodejs22', entry_point: 'console' });
    expect(block(block(build, 'source'), 'storage_source').object).toBe('${local.source_object}');
    // functions/console.ts registers the same entry point.
    expect(readFileSync(join(repoRoot, 'functions', 'console.ts'), 'utf8')).toMatch(/http\(\s*'console',/);
    const service = block(fn, 'service_config');
    expect(service.ingress_settings).toBe('ALLOW_INTERNAL_AND_GCLB');
    expect(service.service_account_email).toBe('${google_service_account.console[0].email}');
    expect(String(service.environment_variables)).toContain('merge(local.common_env');
  });

  it('tells the function the audience IAP signs for: this backend service, in the form the console checks', () => {
    const variables = String(
      block(resource(tf, 'google_cloudfunctions2_function', 'console'), 'service_config').environment_variables,
    );
    expect(variables).toContain(
      'CONSOLE_IAP_AUDIENCE = "/projects/${data.google_project.this.number}/global/backendServices/${google_compute_backend_service.console[0].generated_id}"',
    );
    expect(variables).toContain('CONSOLE_OPERATORS    = join(",", var.console_operators)');
    // Filled in, it is what the console's configuration accepts (and another shape is refused).
    const env = (audience: string) => ({
      CONSOLE_IAP_AUDIENCE: audience,
      BQ_DATASET: 'stripe_qbo',
      GOOGLE_CLOUD_PROJECT: 'acme-prod',
    });
    expect(
      parseConsoleConfig(env('/projects/123456789012/global/backendServices/4567890123456789012')).iapAudience,
    ).toBe('/projects/123456789012/global/backendServices/4567890123456789012');
    expect(() => parseConsoleConfig(env('/projects/acme-prod/global/backendServices/console'))).toThrow(
      /CONSOLE_IAP_AUDIENCE/,
    );
  });

  it('puts IAP on an external managed HTTPS load balancer whose serverless NEG points at the function', () => {
    const backend = resource(tf, 'google_compute_backend_service', 'console');
    expect(backend.load_balancing_scheme).toBe('EXTERNAL_MANAGED');
    expect(block(backend, 'iap').enabled).toBe(true);
    expect(block(backend, 'backend').group).toBe('${google_compute_region_network_endpoint_group.console[0].id}');
    const neg = resource(tf, 'google_compute_region_network_endpoint_group', 'console');
    expect(neg.network_endpoint_type).toBe('SERVERLESS');
    // The NEG names the service the function runs as; the function's name is the same literal.
    expect(block(neg, 'cloud_run').service).toBe(resource(tf, 'google_cloudfunctions2_function', 'console').name);
    expect(resource(tf, 'google_compute_url_map', 'console').default_service).toBe(
      '${google_compute_backend_service.console[0].id}',
    );
    expect(resource(tf, 'google_compute_target_https_proxy', 'console').ssl_certificates).toEqual([
      '${google_compute_managed_ssl_certificate.console[0].id}',
    ]);
    expect(resource(tf, 'google_compute_global_forwarding_rule', 'console')).toMatchObject({
      port_range: '443',
      load_balancing_scheme: 'EXTERNAL_MANAGED',
    });
  });

  it('lets IAP admit console_members, and lets only IAP’s service agent invoke the function', () => {
    expect(resource(tf, 'google_iap_web_backend_service_iam_member', 'console_access')).toMatchObject({
      web_backend_service: '${google_compute_backend_service.console[0].name}',
      role: 'roles/iap.httpsResourceAccessor',
      member: '${each.value}',
    });
    const invokers = Object.entries(tf.resources.google_cloud_run_v2_service_iam_member ?? {}).filter(([, body]) =>
      String(body.name).includes('google_cloudfunctions2_function.console'),
    );
    expect(invokers.map(([name]) => name)).toEqual(['console_iap_invoker']);
    expect(invokers[0]![1]).toMatchObject({ role: 'roles/run.invoker', member: '${local.iap_service_agent}' });
    expect(tf.locals.iap_service_agent).toBe(
      'serviceAccount:service-${data.google_project.this.number}@gcp-sa-iap.iam.gserviceaccount.com',
    );
  });

  it('gives the console account only what its actions need, and no secret', () => {
    expect(tf.locals.console_project_roles).toContain('"roles/datastore.user", "roles/bigquery.jobUser"');
    expect(resource(tf, 'google_project_iam_member', 'console')).toMatchObject({
      role: '${each.key}',
      member: `serviceAccount:${CONSOLE_SA}`,
    });
    // BigQuery reads on the tables and views only, never the dataset.
    expect(resource(tf, 'google_bigquery_table_iam_member', 'console_reader')).toMatchObject({
      for_each:
        '${local.console_enabled ? toset(concat(keys(local.bigquery_tables), local.bigquery_views)) : toset([])}',
      table_id: '${each.key}',
      role: 'roles/bigquery.dataViewer',
      member: `serviceAccount:${CONSOLE_SA}`,
    });
    // Publishes: the entity topics (approve, retry, redrive), scheduler-ticks (sync now), ops-backfill (test run).
    expect(tf.locals.console_topics).toBe(
      `\${local.console_enabled ? concat(local.entity_topics, ["${CONTROL_TOPICS.schedulerTicks}", "${CONTROL_TOPICS.opsBackfill}"]) : []}`,
    );
    expect(resource(tf, 'google_pubsub_topic_iam_member', 'console_publisher')).toMatchObject({
      for_each: '${toset(local.console_topics)}',
      role: 'roles/pubsub.publisher',
    });
    const deadLetters = resource(tf, 'google_pubsub_subscription_iam_member', 'console_dead_letters');
    expect(deadLetters.subscription).toBe('${google_pubsub_subscription.dead_letter_archive[each.value.topic].name}');
    expect(String(tf.locals.console_dead_letter_grants)).toMatch(
      /roles\/pubsub\.subscriber[\s\S]*roles\/pubsub\.viewer/,
    );
    expect((tf.locals.entity_topics as string[]).sort()).toEqual(Object.values(ENTITY_TOPIC).sort());
    // No secret of any kind: the console never reads QBO tokens, Stripe keys or webhook secrets.
    for (const [name, body] of Object.entries(tf.resources.google_secret_manager_secret_iam_member ?? {}))
      for (const [, value] of strings(body))
        expect({ name, value }).not.toEqual({ name, value: expect.stringContaining('console') });
    const roles = consoleResources()
      .map(({ body }) => body.role)
      .filter((role): role is string => typeof role === 'string');
    for (const role of roles) expect(role).not.toMatch(/admin|owner|editor|secretmanager/i);
  });

  it('creates nothing unless console_domain is set', () => {
    const unconditional = consoleResources().filter(({ body }) => {
      const gate = String((body as Block).count ?? (body as Block).for_each ?? '');
      return !/local\.console_(enabled|project_roles|topics|dead_letter_grants)|var\.console_members/.test(gate);
    });
    expect(unconditional.map(({ type, name }) => `${type}.${name}`)).toEqual([]);
    expect(tf.locals.console_enabled).toBe('${var.console_domain != ""}');
  });

  it('ships ddl/ in the function source: the console reads its SQL there at start-up', () => {
    const archive = tf.data.archive_file?.source as { excludes?: string[] } | undefined;
    expect(archive?.excludes).not.toContain('ddl');
  });
});

describe('CI installs the browser the console tests drive', () => {
  it('apt-get installs Debian chromium when /usr/bin/chromium is missing, non-interactively, after an update', () => {
    const run = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
    const install = run.slice(run.indexOf('if [ ! -x /usr/bin/chromium ]'));
    expect(install).toMatch(
      /DEBIAN_FRONTEND=noninteractive[\s\S]*apt-get update[\s\S]*apt-get install -y[^\n]* chromium/,
    );
    expect(run.indexOf('apt-get install -y -qq --no-install-recommends chromium')).toBeLessThan(
      run.search(/^npm test$/m),
    );
    // In CI a missing browser fails the browser tests (test/support/browser.ts) instead of skipping them.
    expect(run).toMatch(/^export CI="\$\{CI:-true\}"$/m);
  });
});
