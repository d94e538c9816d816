// The service catalog: how each service is rolled back, which alarms watch it, how far Backstep may act.
import * as z from './zod-mini';
import { InputError } from './errors';

import { EMPTY_CATALOG as EMPTY } from './catalog-lookup';

export { servicesForAlarm } from './catalog-lookup';

const name = z.string().check(z.minLength(1), z.maxLength(256));

export const actionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('codedeploy'), application: name, deploymentGroup: name }),
  z.strictObject({ type: z.literal('lambda-alias'), functionName: name, alias: name }),
  z.strictObject({ type: z.literal('ecs'), cluster: name, service: name }),
  z.strictObject({
    type: z.literal('appconfig'),
    application: name,
    environment: name,
    configurationProfile: name,
  }),
  z.strictObject({ type: z.literal('feature-flag'), flag: name, provider: z.optional(name) }),
  z.strictObject({ type: z.literal('manual'), runbook: z.optional(z.url()) }),
]);

export type RollbackAction = z.infer<typeof actionSchema>;
export type ActionType = RollbackAction['type'];
export const ACTION_TYPES: readonly ActionType[] = actionSchema._zod.def.options.flatMap((o) => [
  ...o.shape.type._zod.values,
]);

export const MODES = ['off', 'suggest', 'auto'] as const;
export type Mode = (typeof MODES)[number];

const serviceEntrySchema = z.strictObject({
  action: actionSchema,
  alarms: z._default(z.array(name), []),
  mode: z.optional(z.enum(MODES)),
  irreversibleData: z._default(z.boolean(), false),
  runbook: z.optional(z.url()),
  /**
   * A Lambda function (name or ARN) that must accept a rollback target before it runs: it gets
   * `{ service, action, fromVersion, toVersion }` and answers `{ ok, reason? }`; a refusal turns the step manual.
   */
  validation: z.optional(name),
});

export const catalogSchema = z.strictObject({
  /** The application these services make up: one rollback runs per application at a time. */
  application: z._default(name, 'default'),
  /** Mode for services that set none. */
  mode: z._default(z.enum(MODES), 'auto'),
  services: z.record(name, serviceEntrySchema),
});

export type Catalog = z.infer<typeof catalogSchema>;
export type CatalogEntry = z.infer<typeof serviceEntrySchema>;

export const EMPTY_CATALOG: Catalog = EMPTY;

/** Validates a parsed catalog; the error names the first bad field and what was expected there. */
export function parseCatalog(json: unknown, source: string): Catalog {
  const result = catalogSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new InputError('bad catalog', source, 'a catalog object');
  const where = issue.path.length ? `${source}: ${formatPath(issue.path)}` : source;
  throw new InputError('bad catalog', where, expectation(issue));
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_union':
      if (issue.discriminator !== undefined) return `expected one of ${ACTION_TYPES.join(', ')}`;
      return 'a valid value';
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return `expected ${issue.expected === 'record' ? 'an object' : issue.expected === 'object' ? 'an object' : issue.expected}`;
    case 'too_small':
      return 'expected a non-empty value';
    case 'too_big':
      return `expected at most ${String(issue.maximum)} characters`;
    case 'invalid_format':
      return `expected a ${issue.format}`;
    default:
      return issue.message;
  }
}
