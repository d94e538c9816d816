// Errors of the construct layer.
import type { IConstruct } from 'constructs';
import { BackstepError } from '../core/errors';

export const PROPS_ERROR = 'BackstepPropsError';

/**
 * A prop the construct refused at synth time. The message names the construct by its path in the app, then
 * the prop or catalog field, then what is wrong: `Backstep at Platform/Backstep: cooldown: 2 hours; expected
 * 0 seconds to 1 hour`. CDK's own ValidationError is internal to aws-cdk-lib, so Backstep has its own.
 */
export class PropsError extends BackstepError {
  /** The construct's path in the app, e.g. `Platform/Backstep`. */
  readonly constructPath: string;
  /** The prop, or the field inside it, e.g. `lookBack` or `catalog.services.web.action.type`. */
  readonly field: string;
  /** What is wrong with it and what would be accepted. */
  readonly problem: string;

  constructor(scope: IConstruct, field: string, problem: string, options?: { cause?: unknown }) {
    super(`Backstep at ${scope.node.path}: ${field}: ${problem}`, options);
    this.name = PROPS_ERROR;
    this.constructPath = scope.node.path;
    this.field = field;
    this.problem = problem;
  }
}
