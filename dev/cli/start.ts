import { startLocalStack } from '../local-stack/stack';
import type { CliIo } from '../../shared/cli/io';
import { parseCommand } from '../../shared/cli/spec';
import { START } from './command-specs';

export function formatStackTable(
  urls: Record<string, string>,
  tenants: Array<{ tenantId: string; webhookUrl: string; realmId: string }>,
): string {
  const width = Math.max(...Object.keys(urls).map((key) => key.length));
  const lines = Object.entries(urls).map(([key, url]) => `  ${key.padEnd(width)}  ${url}`);
  const tenantLines = tenants.map(
    (tenant) => `  tenant ${tenant.tenantId}: webhook ${tenant.webhookUrl}  realm ${tenant.realmId}`,
  );
  return ['stripe-qbo local stack is up (also written to .local/stack.json):', ...lines, ...tenantLines].join('\n');
}

/** `stripe-qbo start [--port 8080]`: the local stack until Ctrl-C. */
export async function runStart(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(START, argv);
  const stack = await startLocalStack({ rootDir: io.cwd, env: io.env, webhookPort: values.port });
  io.stdout(formatStackTable(stack.urls, stack.tenants));
  io.stdout(`Operator console: ${stack.urls.console}/`);
  io.stdout('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stack.stop();
  return 0;
}
