// The task events' schemas are zod/mini's, which has no messages of its own: a bad event must still read in
// zod's English words, as it did with the full zod. This file loads no other zod schema that could set them.
import { actInputSchema, approvalInputSchema, gateInputSchema, notifyInputSchema } from '../../lib/core/tasks';

const issues = (result: { error?: { issues: readonly { path: PropertyKey[]; message: string }[] } }) =>
  result.error?.issues.map((i) => [i.path.join('.'), i.message]);

describe('the task event schemas', () => {
  it('explain a bad event in the words of zod', () => {
    expect(issues(actInputSchema.safeParse({ planId: '', stage: 'nope', wave: 1.5, service: 7 }))).toStrictEqual([
      ['planId', 'Too small: expected string to have >=1 characters'],
      ['incidentId', 'Invalid input: expected string, received undefined'],
      ['stage', 'Invalid option: expected one of "targeted"|"expanded"|"full"'],
      ['wave', 'Invalid input: expected int, received number'],
      ['service', 'Invalid input: expected string, received number'],
    ]);
    expect(
      issues(gateInputSchema.safeParse({ planId: 'p', mode: 'gate', incidentAlarms: 'a', wave: 0 })),
    ).toStrictEqual([
      ['wave', 'Too small: expected number to be >0'],
      ['incidentAlarms', 'Invalid input: expected array, received string'],
    ]);
    expect(issues(notifyInputSchema.safeParse({ planId: 'p', reason: 'bored', error: { Error: 1 } }))).toStrictEqual([
      ['reason', expect.stringMatching(/^Invalid option: expected one of "worse"\|/)],
      ['error.Error', 'Invalid input: expected string, received number'],
    ]);
  });

  it('pass a good event through as it came', () => {
    const event = {
      planId: 'p',
      incidentId: 'i',
      kind: 'step',
      stage: 'targeted',
      wave: 2,
      service: 'web',
      why: ['a reason'],
      taskToken: 't',
    };
    expect(approvalInputSchema.parse(event)).toStrictEqual(event);
  });
});
