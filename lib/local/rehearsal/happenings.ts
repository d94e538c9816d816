// What happens in a rehearsal, in simulated minutes since the alarm. The simulated ports and the rehearsal
// tell it once; the report's timeline and the terminal's narration each keep what they need of it.
import type { ActionType } from '../../core/catalog';
import type { Plan } from '../../core/plan';
import type { EscalationReason, GateResult, StepStatus } from '../../core/tasks';
import type { Change } from '../../core/types';
import type { DemoReport } from '../../report/types';
import type { ServiceHealth } from '../sim/fleet';

export type Outcome = DemoReport['outcome'];

export type Happening =
  | { readonly kind: 'deploy'; readonly change: Change; readonly at: number }
  | { readonly kind: 'alarm'; readonly alarm: string; readonly service: string; readonly health?: ServiceHealth }
  | { readonly kind: 'planned'; readonly plan: Plan; readonly published: number; readonly model: string }
  /** The first task of a stage, or of a wave, starts. */
  | { readonly kind: 'stage'; readonly stage: string; readonly waves: number; readonly at: number }
  | { readonly kind: 'wave'; readonly wave: number; readonly services: readonly string[]; readonly at: number }
  /** What is going on meanwhile (a spinner on a terminal); undefined when nothing is. */
  | { readonly kind: 'busy'; readonly doing: string | undefined }
  | {
      readonly kind: 'rollback';
      readonly wave: number;
      readonly service: string;
      readonly action: ActionType;
      readonly start: number;
      readonly end: number;
      /** How a rollback that completed ended (its step status), or why it did not complete. */
      readonly result: StepStatus | 'throttled' | 'failed';
      /** The version it left, and the one it went back to. */
      readonly from?: string;
      readonly to?: string;
    }
  | {
      readonly kind: 'approval';
      readonly lane: string;
      readonly what: string;
      readonly start: number;
      readonly end: number;
      readonly verdict: 'approved' | 'rejected' | 'timed out';
      readonly by?: string;
      /** The last reason the approval was asked for. */
      readonly reason?: string;
    }
  | { readonly kind: 'bake'; readonly wave: number; readonly start: number; readonly end: number }
  | {
      readonly kind: 'gate';
      readonly mode: 'gate' | 'baseline';
      readonly stage: string;
      readonly wave: number;
      readonly at: number;
      readonly reading: GateResult;
    }
  | { readonly kind: 'escalated'; readonly reason: EscalationReason; readonly at: number }
  | { readonly kind: 'ended'; readonly outcome: Outcome }
  /** A fault of a chaos demo's schedule was injected: what failed, where, and which call of its burst. */
  | { readonly kind: 'injected'; readonly what: string; readonly at?: number };

export type Tell = (happening: Happening) => void;
