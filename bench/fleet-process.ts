import { buildRuntime } from '../shared/runtime/runtime';
import { createQboAccess } from '../shared/runtime/qbo-access';
import type { TenantSettings } from '../schemas/tenant-settings.schema';

/**
 * One consumer instance of the fleet bench (bench/fleet.ts), in its own process: it builds its runtime from the
 * environment (Firestore store, local secrets) and the product's QBO access over it, exactly as a deployed consumer
 * does (shared/runtime/compose.ts), then drives a steady mix of creates and queries against one realm.
 * Configuration is the JSON in argv[2]; prints `{"ready":true}`, starts on the IPC message `{"op":"go","until"}`,
 * answers `{"op":"done",…}` with its counts, gives its seats back and exits.
 */
export interface FleetProcessConfig {
  instance: number;
  tenant: TenantSettings;
  workers: number;
}

export interface FleetProcessResult {
  op: 'done';
  instance: number;
  ok: number;
  failed: number;
  failures: Record<string, number>;
  /** [sent, answered] epoch ms of every QBO API request this process made (same machine clock as the others). */
  requests: Array<[number, number]>;
}

/**
 * The bench's only instrument inside the instance: global fetch, wrapped before the QBO client captures it, notes
 * when each QBO API request leaves and when its answer is in, so the driver can count requests in flight across the
 * whole fleet. It changes nothing the client sends.
 */
function recordQboRequests(): Array<[number, number]> {
  const requests: Array<[number, number]> = [];
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.includes('/v3/company/')) return original(input, init);
    const sent = Date.now();
    const response = await original(input, init);
    // The client reads the body at once; the answer is in when it has been read.
    const body = await response.arrayBuffer();
    requests.push([sent, Date.now()]);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return requests;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as FleetProcessConfig;
  const requests = recordQboRequests();
  const runtime = await buildRuntime(`fleet-bench-${config.instance}`);
  const qboAccess = createQboAccess({
    runtime,
    baseUrl: runtime.config.qboBaseUrl ?? '',
    ...(runtime.config.qboBaseUrl ? { simulatorUrl: runtime.config.qboBaseUrl } : {}),
  });
  const client = await qboAccess.clientFor(config.tenant);
  const go = new Promise<number>((resolve) =>
    process.on('message', (message: { op?: string; until?: number }) => {
      if (message.op === 'go') resolve(message.until ?? Date.now());
    }),
  );
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
  const until = await go;

  let ok = 0;
  let serial = 0;
  const failures: Record<string, number> = {};
  const worker = async () => {
    while (Date.now() < until) {
      const n = serial++;
      try {
        if (n % 2 === 0)
          await client.create(
            'Customer',
            { DisplayName: `Fleet ${config.instance}-${n}` },
            { requestId: `fleet-${config.instance}-${n}-${process.pid}` },
          );
        else await client.query("SELECT * FROM Item WHERE Id = '1'");
        ok++;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'error';
        failures[code] = (failures[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: config.workers }, worker));
  const result: FleetProcessResult = {
    op: 'done',
    instance: config.instance,
    ok,
    failed: Object.values(failures).reduce((sum, count) => sum + count, 0),
    failures,
    requests,
  };
  process.send?.(result);
  await qboAccess.close();
  await runtime.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`fleet process failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
