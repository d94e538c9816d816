// What the construct, the functions, the local engines and the tests must agree on, defined once: the
// environment variables the construct gives its functions, and the defaults and limits of its settings.

/** Each environment variable by what it carries: infra writes these names, the functions read them. */
export const ENV = {
  table: 'TABLE_NAME',
  topic: 'TOPIC_ARN',
  approvalSecret: 'APPROVAL_SECRET_ARN',
  approvalBaseUrl: 'APPROVAL_BASE_URL',
  approvers: 'APPROVERS',
  application: 'APPLICATION',
  blockingSeverity: 'BLOCKING_SEVERITY',
  planPrefix: 'PLAN_PREFIX',
  planRole: 'PLAN_ROLE_ARN',
  planLogGroup: 'PLAN_LOG_GROUP_ARN',
  actFunction: 'ACT_FUNCTION_ARN',
  gateFunction: 'GATE_FUNCTION_ARN',
  approvalFunction: 'APPROVAL_FUNCTION_ARN',
  notifyFunction: 'NOTIFY_FUNCTION_ARN',
  account: 'ACCOUNT_ID',
  partition: 'PARTITION',
  lookBackSeconds: 'LOOK_BACK_SECONDS',
  bakeSeconds: 'BAKE_SECONDS',
  approvalSeconds: 'APPROVAL_SECONDS',
  changeWindow: 'CHANGE_WINDOW',
  graphWindow: 'GRAPH_WINDOW',
  baselineWindow: 'BASELINE_WINDOW',
  reportBucket: 'REPORT_BUCKET',
  reportLinkSeconds: 'REPORT_LINK_SECONDS',
} as const;

export type EnvKey = keyof typeof ENV;

/** `{ table: 'x' }` -> `{ TABLE_NAME: 'x' }`: a function's environment, by what each value carries. */
export function environment(values: Partial<Record<EnvKey, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values) as [EnvKey, string | undefined][]) {
    if (value !== undefined) out[ENV[key]] = value;
  }
  return out;
}

/** A setting's default and the range it must be in, in seconds. */
export interface Setting {
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

const DAY = 86_400;

/** The construct's timing settings (its props, validated at synth), the compiler's and the demo's defaults. */
export const SETTINGS = {
  /** How far back deployments count as suspects. */
  lookBack: { default: DAY, min: 60, max: 366 * DAY },
  /** How long a wave settles before its health gate reads the alarms. */
  bake: { default: 300, min: 0, max: 3_600 },
  /** How long a person has to decide on an approval (a Step Functions heartbeat; a day is already long). */
  approval: { default: 3_600, min: 60, max: DAY },
  /** How long an incident keeps the application's lease after a rollback. */
  cooldown: { default: 900, min: 0, max: 3_600 },
  /** How long the link in an incident's final notification opens its report. */
  reportLink: { default: 7 * DAY, min: 3_600, max: 366 * DAY },
  /** How long incident reports are kept. */
  reportRetention: { default: 365 * DAY, min: DAY, max: 100 * 365 * DAY },
} as const satisfies Record<string, Setting>;
