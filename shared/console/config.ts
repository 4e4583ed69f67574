import { ConfigError } from '../config/config';

/**
 * The console's own settings (the `console` function's environment; Terraform sets them in infra/console.tf).
 * Parsed once per instance; every problem is reported together, like the shared config.
 */
export interface ConsoleConfig {
  /** The audience IAP signs for: `/projects/<number>/global/backendServices/<id>`. */
  iapAudience: string;
  /** Emails that may act (operator); everyone else IAP admits may look (viewer). */
  operators: string[];
  bigQueryProject: string;
  bigQueryDataset: string;
  bigQueryLocation: string | undefined;
  /** A tenant with no sync for longer than this is red. */
  scheduleHours: number;
}

const AUDIENCE = /^\/projects\/\d+\/(global|regions\/[a-z0-9-]+)\/backendServices\/\d+$/;

export function parseConsoleConfig(env: NodeJS.ProcessEnv): ConsoleConfig {
  const problems: string[] = [];
  const iapAudience = env.CONSOLE_IAP_AUDIENCE ?? '';
  if (!AUDIENCE.test(iapAudience))
    problems.push(
      'CONSOLE_IAP_AUDIENCE must be /projects/<number>/global/backendServices/<id> (IAP signed-header audience)',
    );
  const operators = (env.CONSOLE_OPERATORS ?? '')
    .split(/[,\s]+/)
    .map((entry) =>
      entry
        .trim()
        .toLowerCase()
        .replace(/^user:/, ''),
    )
    .filter(Boolean);
  for (const entry of operators)
    if (!/^[^@\s]+@[^@\s]+$/.test(entry)) problems.push(`CONSOLE_OPERATORS: "${entry}" is not an email address`);
  const bigQueryProject = env.BQ_PROJECT || env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT || '';
  if (!bigQueryProject) problems.push('BQ_PROJECT or GOOGLE_CLOUD_PROJECT is required (the BigQuery project)');
  const bigQueryDataset = env.BQ_DATASET ?? '';
  if (!/^[A-Za-z0-9_]{1,1024}$/.test(bigQueryDataset)) problems.push('BQ_DATASET is required (the BigQuery dataset)');
  const scheduleHours = Number(env.CONSOLE_SCHEDULE_HOURS ?? '26');
  if (!Number.isFinite(scheduleHours) || scheduleHours <= 0)
    problems.push('CONSOLE_SCHEDULE_HOURS must be a positive number');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    iapAudience,
    operators,
    bigQueryProject,
    bigQueryDataset,
    bigQueryLocation: env.BQ_LOCATION || undefined,
    scheduleHours,
  };
}
