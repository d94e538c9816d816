// What `backstep plan --format` prints; apart from the plan command so that the main help loads nothing else.
export const PLAN_FORMATS = ['json', 'text', 'mermaid', 'asl'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];
